import { appearanceOf } from "./appearance";
import type { NodeTypeSpec } from "./types";

export function TypeIcon({ spec }: { spec: NodeTypeSpec | undefined }) {
  const { color, glyph } = appearanceOf(spec);
  return (
    <span className="type-icon" style={{ background: color, fontSize: glyph.length > 1 ? 10 : 13 }} aria-hidden="true">
      {glyph}
    </span>
  );
}
