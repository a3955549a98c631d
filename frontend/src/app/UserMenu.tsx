import { useRef } from "react";
import { csrfToken } from "../api/client";
import { Icon } from "../ui/Icon";
import { Menu } from "../ui/Menu";
import { useMe } from "./session";

const ROLE_LABELS: Record<string, string> = { owner: "Owner", admin: "Admin", designer: "Designer", finance: "Finance" };

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

/** The avatar button: who is signed in, and sign out (a POST form, as Django expects). */
export function UserMenu() {
  const me = useMe();
  const formRef = useRef<HTMLFormElement>(null);
  return (
    <>
      <Menu
        label={`Account menu for ${me.username}`}
        buttonClassName="user-button"
        button={
          <>
            <span className="avatar" aria-hidden="true">
              {me.username.slice(0, 1)}
            </span>
            <span className="user-name">{me.username}</span>
            <Icon name="chevronDown" size={14} />
          </>
        }
        header={
          <>
            <div style={{ fontWeight: 600, color: "var(--text)" }}>{me.username}</div>
            {me.email && <div>{me.email}</div>}
            <div>
              {roleLabel(me.role)} · {me.workspace.name}
            </div>
          </>
        }
        items={[{ label: "Sign out", icon: <Icon name="logout" />, onSelect: () => formRef.current?.submit() }]}
      />
      <form ref={formRef} method="post" action="/logout/" hidden>
        <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
      </form>
    </>
  );
}
