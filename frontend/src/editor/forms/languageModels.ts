/** The workspace's language models, as model fields offer them. */
import { useEffect, useState } from "react";
import { api } from "../../api/client";

/** The value that means "the workspace's default model" (older pipelines wrote "default"). */
export const WORKSPACE_DEFAULT = "";
const LEGACY_DEFAULT = "default";

interface VoiceModelSummary {
  name: string;
  kind: string;
  enabled: boolean;
}

export interface LanguageModels {
  loaded: boolean;
  /** enabled language models by name; the first is the workspace default (as the server takes it) */
  names: string[];
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

export function useLanguageModels(): LanguageModels {
  const [state, setState] = useState<LanguageModels>({ loaded: false, names: [] });
  useEffect(() => {
    let live = true;
    void loadLanguageModels().then((names) => live && setState({ loaded: true, names }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export interface ModelChoices {
  selected: string;
  options: { value: string; label: string }[];
}

/** The picker's options: the default first, then each model, then the current value if it is none of those. */
export function modelChoices(models: LanguageModels, value: string): ModelChoices {
  const selected = value.trim() === LEGACY_DEFAULT ? WORKSPACE_DEFAULT : value;
  const fallback = models.names[0];
  const defaultLabel = !models.loaded ? "Workspace default" : fallback ? `Workspace default (${fallback})` : "Workspace default (none set up yet)";
  const options = [{ value: WORKSPACE_DEFAULT, label: defaultLabel }, ...models.names.map((name) => ({ value: name, label: name }))];
  if (selected !== WORKSPACE_DEFAULT && !models.names.includes(selected)) {
    options.push({ value: selected, label: models.loaded ? `${selected} (not set up in this workspace)` : selected });
  }
  return { selected, options };
}
