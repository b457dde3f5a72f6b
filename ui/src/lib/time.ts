/** "3 minutes", "2 days": the largest whole unit. */
export function ageWords(seconds: number): string {
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
  }
  const n = Math.max(0, Math.floor(seconds));
  return n < 10 ? "a few seconds" : `${n} seconds`;
}

/** A time as the person's locale shows it. */
export function localTime(rfc3339: string): string {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : date.toLocaleString();
}
