import { useEffect, useRef } from "react";
import { commandFor, type CommandId } from "./keymap";

/** Commands that still work while typing in a field. */
const WHILE_TYPING = new Set<CommandId>(["save", "toggleTest"]);

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Runs the keymap's commands; leaves keys alone while typing or while a dialog is open. */
export function useKeymap(handlers: Partial<Record<CommandId, () => void>>): void {
  const handlersRef = useRef(handlers);
  useEffect(() => {
    handlersRef.current = handlers;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const command = commandFor(event);
      if (!command) return;
      if (isTyping(event.target) && !WHILE_TYPING.has(command)) return;
      if (document.querySelector('[aria-modal="true"]') && command !== "toggleHelp") return;
      const handler = handlersRef.current[command];
      if (!handler) return;
      // Copying text the designer selected on the page is theirs, not the canvas's.
      if ((command === "copy" || command === "cut") && window.getSelection()?.toString()) return;
      event.preventDefault();
      handler();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
