/** The campaigns area's two pages: the campaigns, and the numbers none of them may call. */
import { NavLink } from "react-router";

export function CampaignsNav() {
  return (
    <nav className="tabs campaigns-nav" aria-label="Campaigns area">
      <NavLink to="/campaigns" end className="tab">
        Campaigns
      </NavLink>
      <NavLink to="/campaigns/do-not-call" className="tab">
        Do not call
      </NavLink>
    </nav>
  );
}
