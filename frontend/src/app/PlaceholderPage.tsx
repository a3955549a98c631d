import { Link, useLocation } from "react-router";
import { useMe } from "./session";
import { homePathFor } from "./navigation";

/** A section whose screen is not built yet, or a path that matches nothing. */
export function PlaceholderPage({ title, text }: { title: string; text: string }) {
  const home = homePathFor(useMe());
  const atHome = useLocation().pathname === home;
  return (
    <div className="page">
      <div className="page-header">
        <h1>{title}</h1>
      </div>
      <div className="empty-state">
        <p>{text}</p>
        {!atHome && <Link to={home}>Go to the start page</Link>}
      </div>
    </div>
  );
}
