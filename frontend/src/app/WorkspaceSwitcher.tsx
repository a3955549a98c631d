import { coreApi } from "../api/core";
import { errorMessage } from "../api/client";
import { Icon } from "../ui/Icon";
import { Menu } from "../ui/Menu";
import { showToast } from "../ui/toasts";
import { useMe } from "./session";

/** The workspace name; a menu to switch when the member belongs to more than one. */
export function WorkspaceSwitcher() {
  const me = useMe();
  if (me.workspaces.length <= 1) return <span className="workspace-name">{me.workspace.name}</span>;
  const switchTo = async (slug: string) => {
    try {
      await coreApi.switchWorkspace(slug);
      window.location.assign("/");
    } catch (e) {
      showToast(errorMessage(e), "error");
    }
  };
  return (
    <Menu
      label="Switch workspace"
      align="left"
      buttonClassName="btn btn-ghost"
      button={
        <>
          <span className="workspace-name">{me.workspace.name}</span>
          <Icon name="chevronDown" size={14} />
        </>
      }
      items={me.workspaces.map((w) => ({
        label: w.slug === me.workspace.slug ? `${w.name} ✓` : w.name,
        onSelect: () => void switchTo(w.slug),
      }))}
    />
  );
}
