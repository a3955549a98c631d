/** Node types to add: search, then drag onto the canvas or press Enter / click to add at the centre. */
import { forwardRef, useRef, useState } from "react";
import { Icon } from "../../ui/Icon";
import { NODE_DRAG_MIME } from "../canvas/Canvas";
import { TypeIcon } from "../catalog/TypeIcon";
import { useGraphStore } from "../store/graphStore";
import { paletteGroups, rankedTypes } from "./paletteGroups";

interface PaletteProps {
  onAdd: (type: string) => void;
  disabled: boolean;
}

export const Palette = forwardRef<HTMLInputElement, PaletteProps>(function Palette({ onAdd, disabled }, searchRef) {
  const catalog = useGraphStore((s) => s.catalog);
  const [query, setQuery] = useState("");
  const listRef = useRef<HTMLDivElement>(null);
  const groups = paletteGroups(catalog, query);
  const best = rankedTypes(catalog, query)[0];

  const items = () => Array.from(listRef.current?.querySelectorAll<HTMLButtonElement>(".palette-item") ?? []);

  const onListKey = (event: React.KeyboardEvent) => {
    const all = items();
    const index = all.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = index + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) (searchRef as React.RefObject<HTMLInputElement | null>).current?.focus();
      else all[Math.min(next, all.length - 1)]?.focus();
    }
  };

  return (
    <aside className="palette" aria-label="Node palette">
      <div className="palette-search">
        <div className="search-input">
          <Icon name="search" />
          <input
            ref={searchRef}
            className="input"
            type="search"
            placeholder="Add a node…"
            aria-label="Search node types"
            aria-describedby="palette-help"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                items()[0]?.focus();
              } else if (e.key === "Enter" && best && !disabled) {
                e.preventDefault();
                onAdd(best.type);
              } else if (e.key === "Escape") {
                setQuery("");
              }
            }}
          />
        </div>
        <p id="palette-help" className="visually-hidden">
          Arrow keys move through the node types; Enter adds the focused type in the middle of the canvas. You can also drag a type onto the canvas.
        </p>
      </div>
      <div className="palette-list" ref={listRef} onKeyDown={onListKey}>
        {groups.length === 0 && <p className="muted" style={{ padding: "8px 6px" }}>No node type matches “{query}”.</p>}
        {groups.map((group) => (
          <div key={group.category} role="group" aria-label={group.category}>
            <div className="palette-category">{group.category}</div>
            {group.types.map((spec) => (
              <button
                key={spec.type}
                type="button"
                className="palette-item"
                draggable={!disabled}
                disabled={disabled}
                title={spec.description}
                aria-label={`Add ${spec.label}: ${spec.description}`}
                onClick={() => onAdd(spec.type)}
                onDragStart={(e) => {
                  e.dataTransfer.setData(NODE_DRAG_MIME, spec.type);
                  e.dataTransfer.effectAllowed = "copy";
                }}
              >
                <TypeIcon spec={spec} />
                <span className="palette-item-text">
                  <span className="palette-item-label">{spec.label}</span>
                  <span className="palette-item-desc" title={spec.description}>
                    {spec.description}
                  </span>
                </span>
              </button>
            ))}
          </div>
        ))}
      </div>
    </aside>
  );
});
