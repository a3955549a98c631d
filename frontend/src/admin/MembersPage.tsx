/** Members: invite by link, change roles, remove; an owner is changed only by an owner. */
import { useState } from "react";
import type { Role } from "../api/types";
import { roleLabel } from "../app/UserMenu";
import { useMe } from "../app/session";
import { Dialog } from "../ui/Dialog";
import { dateTime } from "../ui/format";
import { adminApi, type InviteCreated, type Member } from "./api";
import { AdminSection, LoadState, loadedEmpty } from "./AdminSection";
import { CopyBox } from "./CopyBox";
import { FormAlert, InputField, SelectField } from "./Field";
import { useResource } from "./useResource";
import { DeleteButton, DeleteConfirm, FormFooter, RowActions } from "./controls";
import { AdminTable } from "./components/AdminTable";
import { NewButton } from "./components/NewButton";
import { runWithToast } from "./components/runWithToast";
import { useSubmit } from "./components/useAdminForm";

const ROLES: Role[] = ["owner", "admin", "designer", "finance"];

function rolesFor(actor: Role): { value: string; label: string }[] {
  return ROLES.filter((r) => actor === "owner" || r !== "owner").map((r) => ({ value: r, label: roleLabel(r) }));
}

function InviteDialog({ onClose, onInvited }: { onClose: () => void; onInvited: () => void }) {
  const me = useMe();
  const [role, setRole] = useState<Role>("designer");
  const [email, setEmail] = useState("");
  const { busy, errors, submitWith } = useSubmit(["role", "email"]);
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const submit = submitWith(async () => {
    setCreated(await adminApi.invite(role, email.trim()));
    onInvited();
  });
  return (
    <Dialog title="Invite a member" description={`They open the link, choose a username and password, and join ${me.workspace.name}.`} onClose={onClose}>
      {created ? (
        <>
          <p>
            {created.emailed ? `Sent to ${created.email}. ` : ""}Copy the link now and send it to them: it is shown once, works once, and expires {dateTime(created.expires_at)}.
          </p>
          <CopyBox value={created.link} label="invitation link" />
          <div className="dialog-footer" style={{ padding: "8px 0" }}>
            <button type="button" className="btn btn-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <FormAlert message={errors.general} />
          <SelectField label="Role" value={role} onChange={(v) => setRole(v as Role)} options={rolesFor(me.role)} error={errors.fields.role} />
          <InputField label="Email (optional)" type="email" value={email} onChange={setEmail} error={errors.fields.email} help="The link is emailed too when this site can send email." />
          <FormFooter onCancel={onClose} busy={busy} label="Create invitation link" busyLabel="Creating…" />
        </form>
      )}
    </Dialog>
  );
}

export function MembersPage() {
  const me = useMe();
  const members = useResource(adminApi.members);
  const invites = useResource(adminApi.invites);
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const owners = members.data?.filter((m) => m.role === "owner").length ?? 0;
  // What this member may not touch, and why (the server refuses it too).
  const lockReason = (m: Member): string | null => {
    if (m.role === "owner" && me.role !== "owner") return "Only an owner can change an owner.";
    if (m.role === "owner" && owners <= 1) return "The last owner: make someone else owner first.";
    return null;
  };
  const changeRole = async (m: Member, role: Role) => {
    await runWithToast(() => adminApi.setRole(m.id, role), `${m.username} is now ${roleLabel(role)}`);
    members.reload();
  };

  return (
    <AdminSection
      title="Members"
      description="Who works in this workspace, and what their role lets them do."
      action={!loadedEmpty(members) && <NewButton label="Invite a member" onClick={() => setInviting(true)} />}
    >
      <LoadState resource={members} empty={{ title: "No members", text: "Invite the first member.", action: "Invite a member", onAction: () => setInviting(true) }}>
        {(list) => (
          <AdminTable columns={["Member", "Role", "Joined"]} actions>
            {list.map((m) => {
              const locked = lockReason(m);
              return (
                <tr key={m.id}>
                  <td>
                    <div className="strong">
                      {m.username}
                      {m.username === me.username && <span className="muted"> (you)</span>}
                    </div>
                    <div className="muted">{m.email || "no email"}</div>
                  </td>
                  <td>
                    <select className="select" style={{ width: 140 }} aria-label={`Role of ${m.username}`} value={m.role} disabled={locked !== null} title={locked ?? undefined} onChange={(e) => void changeRole(m, e.target.value as Role)}>
                      {(m.role === "owner" ? ROLES.map((r) => ({ value: r, label: roleLabel(r) })) : rolesFor(me.role)).map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                    {locked && <div className="muted">{locked}</div>}
                  </td>
                  <td className="muted">{dateTime(m.created_at)}</td>
                  <RowActions>
                    <DeleteButton name={m.username} verb="Remove" label disabled={locked !== null} onClick={() => setRemoving(m)} />
                  </RowActions>
                </tr>
              );
            })}
          </AdminTable>
        )}
      </LoadState>
      {invites.data && invites.data.length > 0 && (
        <>
          <h3 style={{ margin: "20px 0 8px", fontSize: 14 }}>Open invitations</h3>
          <AdminTable columns={["Invited", "Role", "Expires"]} actions>
            {invites.data.map((i) => (
              <tr key={i.id}>
                <td>{i.email || <span className="muted">link only</span>}</td>
                <td>{roleLabel(i.role)}</td>
                <td className="muted">{dateTime(i.expires_at)}</td>
                <RowActions>
                  <DeleteButton name={`the invitation${i.email ? ` of ${i.email}` : ""}`} verb="Revoke" label onClick={() => void runWithToast(() => adminApi.revokeInvite(i.id)).then((revoked) => revoked && invites.reload())} />
                </RowActions>
              </tr>
            ))}
          </AdminTable>
        </>
      )}
      {inviting && <InviteDialog onClose={() => setInviting(false)} onInvited={invites.reload} />}
      {removing && (
        <DeleteConfirm
          title={`Remove ${removing.username}?`}
          message={`They lose access to ${me.workspace.name} and their API tokens here stop working. Their account stays.`}
          confirmLabel="Remove member"
          remove={() => adminApi.removeMember(removing.id)}
          onDone={members.reload}
          onClose={() => setRemoving(null)}
        />
      )}
    </AdminSection>
  );
}
