/** A value shown once (a token, an invitation link), with a copy button. */
import { showToast } from "../ui/toasts";
import { Icon } from "../ui/Icon";

export function CopyBox({ value, label }: { value: string; label: string }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      showToast("Copied");
    } catch {
      showToast("Select the text and copy it by hand: the browser refused.", "error");
    }
  };
  return (
    <div className="once-box">
      <code data-testid="once-value">{value}</code>
      <button type="button" className="btn btn-sm" onClick={() => void copy()} aria-label={`Copy ${label}`}>
        <Icon name="copy" /> Copy
      </button>
    </div>
  );
}
