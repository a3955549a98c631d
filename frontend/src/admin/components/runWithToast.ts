/** A row's one-click action (sync, make default, change a role): a refusal is said in a toast. */
import { errorMessage } from "../../api/client";
import { showToast } from "../../ui/toasts";

export async function runWithToast(action: () => Promise<unknown>, success?: string): Promise<boolean> {
  try {
    await action();
    if (success) showToast(success);
    return true;
  } catch (e) {
    showToast(errorMessage(e), "error");
    return false;
  }
}
