import { Icon } from "../../ui/Icon";
import { appearanceOf } from "./appearance";
import type { NodeTypeSpec } from "./types";

export function TypeIcon({ spec }: { spec: NodeTypeSpec | undefined }) {
  const { color, icon, glyph } = appearanceOf(spec);
  return (
    <span className="type-icon" style={{ background: color }} aria-hidden="true">
      {icon ? <Icon name={icon} size={14} /> : glyph}
    </span>
  );
}
