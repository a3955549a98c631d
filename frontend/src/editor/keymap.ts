/**
 * Every keyboard shortcut of the editor, in one place. The help overlay lists this table;
 * useKeymap dispatches it. Keys use "mod" for Ctrl (Cmd on a Mac).
 */

export type CommandId =
  | "undo"
  | "redo"
  | "copy"
  | "cut"
  | "paste"
  | "duplicate"
  | "delete"
  | "selectAll"
  | "deselect"
  | "autoLayout"
  | "fitView"
  | "focusPalette"
  | "toggleTest"
  | "toggleHelp"
  | "save";

export interface Shortcut {
  command: CommandId;
  keys: string[];
  description: string;
  group: "Edit" | "Canvas" | "Panels";
}

export const KEYMAP: Shortcut[] = [
  { command: "undo", keys: ["mod+z"], description: "Undo", group: "Edit" },
  { command: "redo", keys: ["mod+shift+z", "mod+y"], description: "Redo", group: "Edit" },
  { command: "copy", keys: ["mod+c"], description: "Copy selected nodes", group: "Edit" },
  { command: "cut", keys: ["mod+x"], description: "Cut selected nodes", group: "Edit" },
  { command: "paste", keys: ["mod+v"], description: "Paste", group: "Edit" },
  { command: "duplicate", keys: ["mod+d"], description: "Duplicate selected nodes", group: "Edit" },
  { command: "delete", keys: ["delete", "backspace"], description: "Delete selection", group: "Edit" },
  { command: "selectAll", keys: ["mod+a"], description: "Select all nodes", group: "Edit" },
  { command: "deselect", keys: ["escape"], description: "Clear the selection", group: "Edit" },
  { command: "save", keys: ["mod+s"], description: "Save now", group: "Edit" },
  { command: "autoLayout", keys: ["shift+l"], description: "Tidy up the layout", group: "Canvas" },
  { command: "fitView", keys: ["shift+1"], description: "Fit the whole graph in view", group: "Canvas" },
  { command: "focusPalette", keys: ["/"], description: "Search the node palette", group: "Panels" },
  { command: "toggleTest", keys: ["mod+enter"], description: "Open or close the test panel", group: "Panels" },
  { command: "toggleHelp", keys: ["?"], description: "Show this help", group: "Panels" },
];

export const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/** "mod+shift+z" as a key event would spell it, for matching. */
export function chordOf(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">): string {
  const parts: string[] = [];
  if (isMac ? event.metaKey : event.ctrlKey) parts.push("mod");
  if (event.altKey) parts.push("alt");
  const key = event.key.toLowerCase();
  // "?" and "/" are typed with shift on many layouts: match the character, not the modifier.
  const printable = key.length === 1 && !/[a-z0-9]/.test(key);
  if (event.shiftKey && key === "!") return [...parts, "shift", "1"].join("+");
  if (event.shiftKey && !printable) parts.push("shift");
  parts.push(key === " " ? "space" : key);
  return parts.join("+");
}

export function commandFor(event: KeyboardEvent): CommandId | null {
  const chord = chordOf(event);
  return KEYMAP.find((s) => s.keys.includes(chord))?.command ?? null;
}

/** How a chord reads to a person: "Ctrl Shift Z" or "⌘ ⇧ Z". */
export function displayKeys(chord: string): string[] {
  return chord.split("+").map((part) => {
    switch (part) {
      case "mod":
        return isMac ? "⌘" : "Ctrl";
      case "shift":
        return isMac ? "⇧" : "Shift";
      case "alt":
        return isMac ? "⌥" : "Alt";
      case "enter":
        return "Enter";
      case "escape":
        return "Esc";
      case "delete":
        return "Del";
      case "backspace":
        return "⌫";
      default:
        return part.length === 1 ? part.toUpperCase() : part;
    }
  });
}
