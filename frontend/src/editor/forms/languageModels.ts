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
  is_default: boolean;
}

export interface LanguageModels {
  loaded: boolean;
  /** enabled language models by name */
  names: string[];
  /** the one an admin marked as the workspace default, if enabled */
  marked?: string;
}

type Loaded = Omit<LanguageModels, "loaded">;

let cached: Promise<Loaded> | null = null;

function loadLanguageModels(): Promise<Loaded> {
  cached ??= api.get<VoiceModelSummary[]>("/voice-models").then(
    (models) => {
      const enabled = models.filter((m) => m.kind === "llm" && m.enabled);
      const marked = enabled.find((m) => m.is_default)?.name;
      return { names: enabled.map((m) => m.name), ...(marked ? { marked } : {}) };
    },
    () => {
      cached = null;
      return { names: [] };
    },
  );
  return cached;
}

export function useLanguageModels(): LanguageModels {
  const [state, setState] = useState<LanguageModels>({ loaded: false, names: [] });
  useEffect(() => {
    let live = true;
    void loadLanguageModels().then((models) => live && setState({ loaded: true, ...models }));
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
  // As the server takes it (voice_models.selectors.default_llm_for): the marked one, else the
  // first by name, which is the API's order (the database's collation, both times).
  const fallback = models.marked ?? models.names[0];
  const defaultLabel = !models.loaded ? "Workspace default" : fallback ? `Workspace default (${fallback})` : "Workspace default (none set up yet)";
  const options = [{ value: WORKSPACE_DEFAULT, label: defaultLabel }, ...models.names.map((name) => ({ value: name, label: name }))];
  if (selected !== WORKSPACE_DEFAULT && !models.names.includes(selected)) {
    options.push({ value: selected, label: models.loaded ? `${selected} (not set up in this workspace)` : selected });
  }
  return { selected, options };
}
