/**
 * An independent calendar check for the date tests: let the platform's Date build the instant from
 * the six fields (setUTCFullYear, which unlike Date.UTC keeps years 0-99) and read the fields back.
 * `exists` is true only if nothing rolled over; `instant` is where Date rolled the fields to.
 */
export function calendarInstant(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): { exists: boolean; instant: number } {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const exists =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  return { exists, instant: date.getTime() };
}

/** The instant of six calendar fields, or `undefined` when no such moment exists. */
export function calendar(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  const { exists, instant } = calendarInstant(y, mo, d, h, mi, s);
  return exists ? instant : undefined;
}
