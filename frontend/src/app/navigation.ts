/** The sections of the app and who sees them. */
import type { Me } from "../api/types";
import type { IconName } from "../ui/Icon";
import { PERMISSIONS } from "./session";

export interface NavItem {
  label: string;
  to: string;
  icon: IconName;
}

export function navItemsFor(me: Me): NavItem[] {
  const can = (p: string) => me.permissions.includes(p);
  const items: NavItem[] = [];
  if (can(PERMISSIONS.pipelinesView)) items.push({ label: "Pipelines", to: "/pipelines", icon: "flow" });
  if (can(PERMISSIONS.callsView)) items.push({ label: "Calls", to: "/calls", icon: "phone" });
  if (can(PERMISSIONS.callsView)) items.push({ label: "Campaigns", to: "/campaigns", icon: "send" });
  if (can(PERMISSIONS.usageView)) items.push({ label: "Finance", to: "/finance", icon: "coins" });
  // Every member has pages there (their API tokens, the workspace); Django's admin is for
  // platform operators and is not linked from the app.
  items.push({ label: "Administration", to: "/administration", icon: "settings" });
  return items;
}

/** Where "/" sends a member: Finance for those who read usage but not pipelines (the finance
 * role), else the first section they may open. */
export function homePathFor(me: Me): string {
  const can = (p: string) => me.permissions.includes(p);
  if (can(PERMISSIONS.usageView) && !can(PERMISSIONS.pipelinesView)) return "/finance";
  return navItemsFor(me)[0]?.to ?? "/no-access";
}
