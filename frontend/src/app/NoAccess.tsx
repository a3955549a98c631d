/** What a member sees at an address their role may not open (a bookmark, a shared link): why,
 * whom to ask, and the way back; never the API's refusal of each request the page would make. */
import { Link, Outlet } from "react-router";
import { homePathFor } from "./navigation";
import { useMe } from "./session";
import { roleLabel } from "./UserMenu";

export function NoAccessNotice() {
  const me = useMe();
  return (
    <div className="alert alert-warning" role="alert">
      Your role ({roleLabel(me.role)}) cannot open this page. Ask an owner or admin of {me.workspace.name} if you need it. <Link to={homePathFor(me)}>Go to your start page</Link>
    </div>
  );
}

/** The routes inside it open only for a member with `permission`. */
export function RequirePermission({ permission }: { permission: string }) {
  const me = useMe();
  if (me.permissions.includes(permission)) return <Outlet />;
  return (
    <div className="page">
      <div className="page-header">
        <h1>Not open to your role</h1>
      </div>
      <NoAccessNotice />
    </div>
  );
}
