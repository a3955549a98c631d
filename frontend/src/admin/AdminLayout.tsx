/** Administration: one header, a tab per page the member may open, the page below. */
import { Navigate, NavLink, Outlet, useLocation } from "react-router";
import { NoAccessNotice } from "../app/NoAccess";
import { useMe } from "../app/session";
import { adminSectionsFor } from "./sections";
import "./admin.css";

export function AdminLayout() {
  const me = useMe();
  const sections = adminSectionsFor(me);
  const { pathname } = useLocation();
  const current = pathname.replace(/^\/administration\/?/, "").split("/")[0];
  if (!current) return <Navigate to={sections[0]?.path ?? "tokens"} replace />;
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Administration</h1>
          <p>{me.workspace.name}: telephony, voice models, people, tokens and prices.</p>
        </div>
      </div>
      <nav className="admin-tabs" aria-label="Administration">
        {sections.map((s) => (
          <NavLink key={s.path} to={`/administration/${s.path}`} className="admin-tab">
            {s.label}
          </NavLink>
        ))}
      </nav>
      {sections.some((s) => s.path === current) ? <Outlet /> : <NoAccessNotice />}
    </div>
  );
}
