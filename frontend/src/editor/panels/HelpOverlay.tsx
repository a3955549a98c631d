import { Dialog } from "../../ui/Dialog";
import { displayKeys, KEYMAP } from "../keymap";

/** Every shortcut, read from the one keymap. */
export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const groups = Array.from(new Set(KEYMAP.map((s) => s.group)));
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} wide>
      <div style={{ display: "grid", gridTemplateColumns: "repeat(3, 1fr)", gap: 24 }}>
        {groups.map((group) => (
          <section key={group} aria-label={group}>
            <h3 style={{ marginBottom: 10 }}>{group}</h3>
            <div className="help-grid">
              {KEYMAP.filter((s) => s.group === group).map((s) => (
                <div key={s.command} style={{ display: "contents" }}>
                  <span>{s.description}</span>
                  <span className="help-keys">
                    {displayKeys(s.keys[0] ?? "").map((k) => (
                      <kbd key={k}>{k}</kbd>
                    ))}
                  </span>
                </div>
              ))}
            </div>
          </section>
        ))}
      </div>
      <p className="muted" style={{ marginTop: 18, fontSize: 13 }}>
        On the canvas: drag a node to move it, drag the background to pan, scroll to zoom, Shift-drag to select an area, Ctrl/⌘-click to add to the selection.
        Drag from an output dot to an input dot to connect, or drop it on empty canvas to add a connected node; a node's “Leads to” list in the
        inspector connects from the keyboard. Tab moves between nodes, Enter selects the focused one, arrow keys move the selection.
      </p>
    </Dialog>
  );
}
