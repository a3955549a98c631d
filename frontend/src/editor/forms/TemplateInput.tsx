/** A text input or textarea that offers `{{ exchange.* }}` and variable names after `{{`. */
import { useId, useRef, useState } from "react";
import { useGraphStore } from "../store/graphStore";
import { applyCompletion, completionContext, pipelineVariables, suggestionsFor, type CompletionContext, type Suggestion } from "./templateCompletion";

interface TemplateInputProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  multiline: boolean;
  describedBy?: string;
  placeholder?: string;
  invalid?: boolean;
  /** values to offer in the browser's own list, e.g. model names */
  options?: string[];
}

export function TemplateInput({ id, value, onChange, multiline, describedBy, placeholder, invalid, options }: TemplateInputProps) {
  const listId = useId();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [context, setContext] = useState<CompletionContext | null>(null);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
  const open = context !== null && suggestions.length > 0;

  const refresh = (text: string, caret: number) => {
    const ctx = completionContext(text, caret);
    setContext(ctx);
    const { nodes, settings } = useGraphStore.getState();
    setSuggestions(ctx ? suggestionsFor(ctx.partial, pipelineVariables(nodes, settings.input_variables)) : []);
    setActive(0);
  };

  const accept = (suggestion: Suggestion) => {
    const el = ref.current;
    if (!el || !context) return;
    const result = applyCompletion(value, el.selectionStart ?? value.length, context, suggestion.value);
    onChange(result.text);
    setContext(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(result.caret, result.caret);
    });
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((a) => (a + step + suggestions.length) % suggestions.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      const chosen = suggestions[active];
      if (chosen) {
        event.preventDefault();
        accept(chosen);
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setContext(null);
    }
  };

  const common = {
    id,
    ref,
    value,
    placeholder,
    role: "combobox",
    "aria-autocomplete": "list" as const,
    "aria-expanded": open,
    "aria-controls": listId,
    "aria-activedescendant": open ? `${listId}-${active}` : undefined,
    "aria-describedby": describedBy,
    "aria-invalid": invalid || undefined,
    onKeyDown,
    onBlur: () => setTimeout(() => setContext(null), 120),
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(e.target.value);
      refresh(e.target.value, e.target.selectionStart ?? e.target.value.length);
    },
    onClick: (e: React.MouseEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      refresh(e.currentTarget.value, e.currentTarget.selectionStart ?? 0),
  };

  return (
    <div className="template-input">
      {multiline ? (
        <textarea className="textarea" rows={4} {...common} />
      ) : (
        <input className="input" list={options?.length ? `${listId}-options` : undefined} {...common} />
      )}
      {!multiline && options && options.length > 0 && (
        <datalist id={`${listId}-options`}>
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      )}
      {open && (
        <ul className="suggestions" id={listId} role="listbox" aria-label="Template names">
          {suggestions.map((s, i) => (
            <li
              key={s.value}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className="suggestion"
              onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}
            >
              <span>{s.value}</span>
              <small>{s.hint}</small>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
