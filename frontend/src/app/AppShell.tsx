import { Link, NavLink, Outlet, useMatch } from "react-router";
import { Icon } from "../ui/Icon";
import { navItemsFor } from "./navigation";
import { roleLabel, UserMenu } from "./UserMenu";
import { useMe } from "./session";
import { WorkspaceSwitcher } from "./WorkspaceSwitcher";

/** Top bar and side navigation around every page; the editor takes the full width. */
export function AppShell() {
  const me = useMe();
  const inEditor = useMatch("/pipelines/:id") !== null;
  return (
    <div className={`shell${inEditor ? " shell-full" : ""}`}>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="betool home">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="flow" size={14} />
          </span>
          betool
        </Link>
        <span className="topbar-divider" aria-hidden="true" />
        <WorkspaceSwitcher />
        <span className="badge" title="Your role in this workspace">
          {roleLabel(me.role)}
        </span>
        <span className="topbar-spacer" />
        <UserMenu />
      </header>
      <nav className="sidenav" aria-label="Main" hidden={inEditor}>
        {navItemsFor(me).map((item) => (
          <NavLink key={item.to} to={item.to} className="nav-link">
            <Icon name={item.icon} />
            {item.label}
          </NavLink>
        ))}
      </nav>
      <main className="main" id="main">
        <Outlet />
      </main>
    </div>
  );
}
