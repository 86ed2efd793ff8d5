/**
 * Run folder names (`<site>/<YYYY-MM-DD-HH-mm-ss>/`, UTC, as sitespeed.io names them with
 * --utc), shared by the run outcomes, the index writer, the check command and the viewer.
 */

/** A run folder's shape: sitespeed.io's <YYYY-MM-DD-HH-mm-ss>. */
export const RUN_FOLDER = /^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/;

/** How far ahead of the writer's clock a run may be (clock skew between the instance and the function): far less than a day. */
const FUTURE_MS = 86_400_000;

/**
 * A run folder, as what it is: a real UTC date and time (2026-13-45-… is a hand-made folder), and
 * not later than tomorrow, so a far-future name cannot become a site's latest run for ever.
 */
export function isRunFolder(name: string, now: Date = new Date()): boolean {
  if (!RUN_FOLDER.test(name)) return false;
  const at = timeOfFolder(name);
  return folderOf(new Date(at)) === name && at <= now.getTime() + FUTURE_MS;
}

/** The moment a run folder names (`YYYY-MM-DD-HH-mm-ss`, UTC), in milliseconds. */
export function timeOfFolder(name: string): number {
  const [year, month, day, hour, minute, second] = name.split('-').map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The run folder name (UTC) of a moment, as sitespeed.io names it with --utc. */
export function folderOf(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}-${p(date.getUTCHours())}-${p(date.getUTCMinutes())}-${p(date.getUTCSeconds())}`;
}

/** The folder a task wrote: the last one that starts between the task's start (less a minute of clock skew) and its stop. */
export function folderOfTask(folders: string[], startedAt: Date, stoppedAt: Date): string | undefined {
  const from = folderOf(new Date(startedAt.getTime() - 60_000));
  const to = folderOf(stoppedAt);
  return folders.filter(f => f >= from && f <= to).sort().pop();
}
