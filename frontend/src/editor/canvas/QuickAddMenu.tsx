/** Dropping a connection on empty canvas offers the node types to create there, already connected. */
import { useEffect, useRef, useState } from "react";
import { TypeIcon } from "../catalog/TypeIcon";
import { rankedTypes } from "../palette/paletteGroups";
import { useGraphStore } from "../store/graphStore";

export interface QuickAddRequest {
  /** where to show the menu, relative to the canvas */
  at: { x: number; y: number };
  /** where the node goes, in graph coordinates */
  position: { x: number; y: number };
  from: { nodeId: string; handle: string };
}

export function QuickAddMenu({ request, onClose }: { request: QuickAddRequest; onClose: () => void }) {
  const catalog = useGraphStore((s) => s.catalog);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const types = rankedTypes(catalog, query).filter((t) => t.inputs.length > 0);

  useEffect(() => {
    const onPointer = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    document.addEventListener("mousedown", onPointer);
    return () => document.removeEventListener("mousedown", onPointer);
  }, [onClose]);

  const choose = (type: string) => {
    useGraphStore.getState().addNode(type, request.position, request.from);
    onClose();
  };

  return (
    <div ref={ref} className="menu quick-add" style={{ left: request.at.x, top: request.at.y }} role="dialog" aria-label="Add a connected node">
      <input
        className="input"
        autoFocus
        placeholder="Add a connected node…"
        aria-label="Search node types"
        aria-controls="quick-add-list"
        aria-activedescendant={types[active] ? `quick-add-${types[active].type}` : undefined}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            const step = e.key === "ArrowDown" ? 1 : -1;
            setActive((a) => (a + step + types.length) % Math.max(types.length, 1));
          } else if (e.key === "Enter" && types[active]) {
            e.preventDefault();
            choose(types[active].type);
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
        }}
      />
      <ul id="quick-add-list" role="listbox" className="quick-add-list">
        {types.map((t, i) => (
          <li
            key={t.type}
            id={`quick-add-${t.type}`}
            role="option"
            aria-selected={i === active}
            className="menu-item"
            onMouseEnter={() => setActive(i)}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(t.type);
            }}
          >
            <TypeIcon spec={t} />
            {t.label}
          </li>
        ))}
      </ul>
    </div>
  );
}
