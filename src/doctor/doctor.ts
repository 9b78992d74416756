// `lanmesh doctor` / `doctor`: why don't I see peers? Runs the checks in order and words the answer.
import type { StaticEntry } from '../discovery/static-list.js';
import type { PeerId } from '../types.js';
import { checkInterfaces, checkMulticast, checkStaticPeer, checkTcpPorts, checkUdp5353, type Check } from './checks.js';
import type { SocketSecurity } from '../wire/secure-socket.js';

export interface DoctorInit {
  /** T to check the four ports of (a peer that is not running yet); undefined skips it. */
  port?: number;
  /** A running peer's id and ports: its own announcements are left out, its ports are its own. */
  running?: { id: PeerId; ports: string };
  staticPeers?: StaticEntry[];
  /** What the hello probes of static peers speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  /** Multicast port and wait (tests). */
  mdnsPort?: number;
  waitMs?: number;
}

export interface DoctorReport {
  checks: Check[];
  /** Peers heard over mDNS. */
  found: string[];
  healthy: boolean;
}

export async function runDoctor(init: DoctorInit = {}): Promise<DoctorReport> {
  const checks: Check[] = [...checkInterfaces(), await checkUdp5353(init.mdnsPort)];
  if (init.running) checks.push({ status: 'ok', what: 'tcp ports', detail: `this peer listens on ${init.running.ports}` });
  else if (init.port !== undefined) checks.push(await checkTcpPorts(init.port));
  const mc = await checkMulticast({ port: init.mdnsPort, waitMs: init.waitMs, self: init.running?.id });
  checks.push(...mc.checks);
  for (const e of init.staticPeers ?? []) checks.push(await checkStaticPeer(e, undefined, init.security));
  return { checks, found: mc.found, healthy: checks.every((c) => c.status !== 'fail') };
}

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

const GENERAL_HINTS = [
  'open UDP 5353 and TCP T..T+3 (T = -t) in the firewall of every peer',
  'peers on another subnet, or behind a VPN or a Wi-Fi access point with client isolation, cannot hear mDNS: use --peer HOST:PORT (or .lanmesh/peers.txt)',
];

/** The report as the user reads it: one line per check, then what to try. */
export function formatDoctor(r: DoctorReport): string[] {
  const lines: string[] = [];
  for (const c of r.checks) {
    lines.push(`${MARK[c.status]}  ${c.what}: ${c.detail}`);
    if (c.what === 'mdns answers') for (const f of r.found) lines.push(`      heard: ${f}`);
  }
  const hints = [...new Set(r.checks.filter((c) => c.status !== 'ok' && c.hint).map((c) => c.hint!))];
  if (r.healthy && hints.length === 0) return [...lines, 'all checks passed'];
  return [...lines, 'what to try:', ...[...hints, ...GENERAL_HINTS].map((h) => `  - ${h}`)];
}
