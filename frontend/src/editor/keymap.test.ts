import { describe, expect, it } from "vitest";
import { chordOf, commandFor, KEYMAP } from "./keymap";

const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "shiftKey" | "altKey", boolean>> = {}) =>
  ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods }) as KeyboardEvent;

describe("the keymap", () => {
  it("spells chords the same way as the table", () => {
    expect(chordOf(key("z", { ctrlKey: true }))).toBe("mod+z");
    expect(chordOf(key("Z", { ctrlKey: true, shiftKey: true }))).toBe("mod+shift+z");
    expect(chordOf(key("?", { shiftKey: true }))).toBe("?");
    expect(chordOf(key("!", { shiftKey: true }))).toBe("shift+1");
  });

  it("maps keys to commands", () => {
    expect(commandFor(key("z", { ctrlKey: true }))).toBe("undo");
    expect(commandFor(key("y", { ctrlKey: true }))).toBe("redo");
    expect(commandFor(key("Delete"))).toBe("delete");
    expect(commandFor(key("?", { shiftKey: true }))).toBe("toggleHelp");
    expect(commandFor(key("q"))).toBeNull();
  });

  it("gives every command a unique chord", () => {
    const chords = KEYMAP.flatMap((s) => s.keys);
    expect(new Set(chords).size).toBe(chords.length);
  });
});
