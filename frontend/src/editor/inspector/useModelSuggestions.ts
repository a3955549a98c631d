/** Names of the workspace's language models, offered in "model" fields. */
import { useEffect, useState } from "react";
import { api } from "../../api/client";

interface VoiceModelSummary {
  name: string;
  kind: string;
  model: string;
  enabled: boolean;
}

let cached: Promise<string[]> | null = null;

function loadLanguageModels(): Promise<string[]> {
  cached ??= api.get<VoiceModelSummary[]>("/voice-models").then(
    (models) => models.filter((m) => m.kind === "llm" && m.enabled).map((m) => m.name),
    () => {
      cached = null;
      return [];
    },
  );
  return cached;
}

export function useModelSuggestions(): Record<string, string[]> {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    void loadLanguageModels().then((n) => live && setNames(n));
    return () => {
      live = false;
    };
  }, []);
  return names.length ? { model: names } : {};
}
