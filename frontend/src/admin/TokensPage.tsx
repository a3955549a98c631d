/** API tokens: the member's own, for scripts; each is shown once when it is made. */
import { useState } from "react";
import { useMe } from "../app/session";
import { dateTime, relativeTime } from "../ui/format";
import { adminApi, type ApiToken, type ApiTokenCreated } from "./api";
import { AdminSection, LoadState } from "./AdminSection";
import { CopyBox } from "./CopyBox";
import { FormAlert, InputField } from "./Field";
import { useResource } from "./useResource";
import { DeleteButton, DeleteConfirm, RowActions } from "./controls";
import { AdminTable } from "./components/AdminTable";
import { useSubmit } from "./components/useAdminForm";

export function TokensPage() {
  const me = useMe();
  const tokens = useResource(adminApi.tokens);
  const [name, setName] = useState("");
  const { busy, errors, submitWith } = useSubmit(["name"]);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const create = submitWith(async () => {
    setCreated(await adminApi.createToken(name.trim()));
    setName("");
    tokens.reload();
  });

  return (
    <AdminSection title="API tokens" description={`Your tokens for scripts. Each acts as you, with your role (${me.role}) in ${me.workspace.name}.`}>
      <form className="admin-card" onSubmit={create} noValidate>
        <h2>New token</h2>
        <FormAlert message={errors.general} />
        <InputField label="Name" value={name} onChange={setName} error={errors.fields.name} placeholder="e.g. CRM sync" help="Say what will use it, to know what breaks if you revoke it." />
        <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === ""}>
          {busy ? "Creating…" : "Create token"}
        </button>
        {created && (
          <div role="status" style={{ marginTop: 12 }}>
            <p className="strong" style={{ margin: 0 }}>
              {created.name}: copy it now, it is not shown again.
            </p>
            <CopyBox value={created.token} label="token" />
            <p className="field-help">
              Send it as <code>Authorization: Bearer …</code>. To act in another workspace you belong to, add <code>X-Betool-Workspace: its-slug</code>; it then has your role there.
            </p>
          </div>
        )}
      </form>
      <LoadState resource={tokens} empty={{ title: "No token yet", text: "Create one above for each script or integration that calls the betool API." }}>
        {(list) => (
          <AdminTable columns={["Token", "Created", "Last used"]} actions>
            {list.map((t) => (
              <tr key={t.id}>
                <td>
                  <div className="strong">{t.name}</div>
                  <div className="muted mono">{t.prefix}…</div>
                </td>
                <td className="muted">{dateTime(t.created_at)}</td>
                <td className="muted">{t.last_used_at ? relativeTime(t.last_used_at) : "never"}</td>
                <RowActions>
                  <DeleteButton name={t.name} verb="Revoke" label onClick={() => setRevoking(t)} />
                </RowActions>
              </tr>
            ))}
          </AdminTable>
        )}
      </LoadState>
      {revoking && (
        <DeleteConfirm
          title={`Revoke ${revoking.name}?`}
          message="Scripts that use it are refused from now on. This cannot be undone."
          confirmLabel="Revoke token"
          remove={() => adminApi.revokeToken(revoking.id)}
          onDone={tokens.reload}
          onClose={() => setRevoking(null)}
        />
      )}
    </AdminSection>
  );
}
