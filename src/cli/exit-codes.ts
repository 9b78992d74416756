// The process exit status for an error, so scripts can tell a typo from a missing file from a timeout
// (README "Exit codes"; the help texts list the same).
import { isLanmeshError } from '../errors.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, timeout: 4 } as const;

export function exitCodeFor(err: unknown): number {
  if (isLanmeshError(err, 'BAD_COMMAND') || isLanmeshError(err, 'BAD_CONFIG')) return EXIT.usage;
  if (isLanmeshError(err, 'NOT_FOUND')) return EXIT.notFound;
  if (isLanmeshError(err, 'TIMEOUT')) return EXIT.timeout;
  return EXIT.failed;
}
