// The IPv4 addresses our A records carry: what this host can be reached at on the LAN.
import { networkInterfaces } from 'node:os';

/** Non-internal IPv4 addresses; loopback when that is all there is (a private test namespace). */
export function hostIpv4Addresses(): string[] {
  const all = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
  const v4 = all.filter((i) => i.family === 'IPv4');
  const external = v4.filter((i) => !i.internal).map((i) => i.address);
  return external.length > 0 ? external : v4.map((i) => i.address);
}
