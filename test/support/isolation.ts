// Guards tests that send real multicast: they may only run inside a network namespace we made
// (netns-run, or the test runner's private namespace), never in the machine's own one.
import { networkInterfaces } from 'node:os';

/** Interface names our own namespace harnesses create (veths, bridges): `lmv…`. */
const HARNESS_PREFIX = 'lmv';

/** True when every interface with an address is loopback or one our harness made. */
export function isIsolatedNetwork(): boolean {
  return Object.keys(networkInterfaces()).every((name) => name === 'lo' || name.startsWith(HARNESS_PREFIX));
}

/** Prints one SKIP line and returns true when `name` must not run here. */
export function skipUnlessIsolated(name: string): boolean {
  if (isIsolatedNetwork()) return false;
  console.log(
    `SKIP ${name}: not in an isolated network namespace (run via ../shared/tools/netns-run or npm test as root)`,
  );
  return true;
}
