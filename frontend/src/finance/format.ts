/** Credits and minutes as people read them. */
const credits = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 2 });

export function formatCredits(value: string | number): string {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? credits.format(n) : String(value);
}

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(days: number, today = new Date()): string {
  const d = new Date(today);
  d.setDate(d.getDate() - days);
  return isoDate(d);
}
