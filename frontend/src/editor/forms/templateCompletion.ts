/** `{{ … }}` autocomplete: what the designer is typing, and the names that may follow. */
import type { FlowNode } from "../store/types";

export interface Suggestion {
  value: string;
  hint: string;
}

export const EXCHANGE_SUGGESTIONS: Suggestion[] = [
  { value: "exchange.user_message", hint: "what the caller said" },
  { value: "exchange.intent", hint: "set by a classifier" },
  { value: "exchange.digits", hint: "keys the caller pressed" },
  { value: "exchange.channel.source_type", hint: "phone_gateway or browser_test" },
  { value: "caller.number", hint: "the caller's number" },
];

const VARIABLE_KEY = /^(variable|variable_name|status_variable|save_as|store_as|result_variable|output_variable)$/;
const VARIABLE_LIST_KEY = /^(variables|assignments|mappings|extract|save)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variable names the graph sets, read from its nodes' configs, plus those given at call start. */
export function pipelineVariables(nodes: FlowNode[], inputVariables: unknown = []): string[] {
  const names = new Set<string>(Array.isArray(inputVariables) ? inputVariables.filter((v): v is string => typeof v === "string" && NAME.test(v)) : []);
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node.data.config ?? {})) {
      if (typeof value === "string" && VARIABLE_KEY.test(key) && NAME.test(value)) names.add(value);
      if (Array.isArray(value) && VARIABLE_LIST_KEY.test(key)) {
        for (const item of value) {
          if (typeof item !== "object" || item === null) continue;
          const record = item as Record<string, unknown>;
          const name = record.name ?? record.variable ?? record.key;
          if (typeof name === "string" && NAME.test(name)) names.add(name);
        }
      }
    }
  }
  return Array.from(names).sort();
}

export interface CompletionContext {
  /** index where the partial name starts */
  start: number;
  partial: string;
}

/** The name being typed right after an unclosed `{{`, or null. */
export function completionContext(text: string, caret: number): CompletionContext | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf("{{");
  if (open < 0 || before.lastIndexOf("}}") > open) return null;
  const inside = before.slice(open + 2);
  const match = /^(\s*)([\w.]*)$/.exec(inside);
  if (!match) return null;
  return { start: open + 2 + (match[1]?.length ?? 0), partial: match[2] ?? "" };
}

export function suggestionsFor(partial: string, variables: string[]): Suggestion[] {
  const all = [...EXCHANGE_SUGGESTIONS, ...variables.map((v) => ({ value: v, hint: "variable" }))];
  const q = partial.toLowerCase();
  return all.filter((s) => s.value.toLowerCase().startsWith(q) || (q.length > 0 && s.value.toLowerCase().includes(`.${q}`)));
}

/** The text with the partial name replaced by `value`, closed with ` }}` when not yet closed. */
export function applyCompletion(text: string, caret: number, context: CompletionContext, value: string): { text: string; caret: number } {
  const after = text.slice(caret);
  const closed = /^[\w.]*\s*}}/.test(after);
  const rest = after.replace(/^[\w.]*/, "");
  const insert = closed ? value : `${value} }}`;
  const leadingSpace = !closed && text[context.start - 1] === "{" ? " " : "";
  const head = text.slice(0, context.start) + leadingSpace + insert;
  return { text: head + rest, caret: head.length };
}
