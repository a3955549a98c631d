/** A page's main "add one" button, beside its title. */
import { Icon } from "../../ui/Icon";

export function NewButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" className="btn btn-primary" onClick={onClick}>
      <Icon name="plus" /> {label}
    </button>
  );
}
