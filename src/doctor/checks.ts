// The doctor's checks, each one question about why peers may not see each other, answered in plain
// words: interfaces, UDP 5353, the four TCP ports, multicast loop and route, _lanmesh._tcp answers,
// each static entry's hello. Every socket it opens is closed before it returns.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import makeMdns from 'multicast-dns';
import { describeError } from '../errors.js';
import { SERVICE_TYPE, parseAnnouncements } from '../discovery/records.js';
import { probeHello } from '../discovery/hello-probe.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { StaticEntry } from '../discovery/static-list.js';
import type { PeerId } from '../types.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  status: CheckStatus;
  /** The topic: "interfaces", "udp 5353", "multicast", … */
  what: string;
  detail: string;
  /** What to try, when it is not ok. */
  hint?: string;
}

const IFF_UP = 0x1;
const IFF_MULTICAST = 0x1000;

/** Linux interface flags (undefined elsewhere or when unreadable). */
function ifaceFlags(name: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
  } catch {
    return undefined;
  }
}

export function checkInterfaces(list: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): Check[] {
  const out: Check[] = [];
  for (const [name, infos] of Object.entries(list)) {
    const v4 = (infos ?? []).filter((i) => i.family === 'IPv4' && !i.internal);
    if (v4.length === 0) continue;
    const flags = ifaceFlags(name);
    const addrs = v4.map((i) => i.address).join(', ');
    if (flags !== undefined && (flags & IFF_MULTICAST) === 0) {
      out.push({ status: 'fail', what: 'interface', detail: `${name} ${addrs}: multicast is off`, hint: `turn it on: ip link set ${name} multicast on` });
    } else if (flags !== undefined && (flags & IFF_UP) === 0) {
      out.push({ status: 'fail', what: 'interface', detail: `${name} ${addrs}: down`, hint: `bring it up: ip link set ${name} up` });
    } else {
      out.push({ status: 'ok', what: 'interface', detail: `${name} ${addrs}${flags === undefined ? '' : ', multicast on'}` });
    }
  }
  if (out.length === 0) {
    out.push({ status: 'warn', what: 'interface', detail: 'no IPv4 address besides loopback: only peers on this machine can be found', hint: 'connect to the LAN (Wi-Fi or cable) and check that it gave you an IPv4 address' });
  }
  return out;
}

export function checkUdp5353(port = 5353): Promise<Check> {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      const why = err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRINUSE' ? 'in use by a program that does not share it' : describeError(err);
      resolve({ status: 'fail', what: `udp ${port}`, detail: `cannot bind UDP ${port}: ${why}`, hint: 'stop the program holding it without SO_REUSEADDR, or run lanmesh with --index (no mDNS) and --peer' });
    });
    s.bind(port, () => s.close(() => resolve({ status: 'ok', what: `udp ${port}`, detail: `UDP ${port} can be bound (shared with other mDNS programs)` })));
  });
}

function canListen(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? describeError(err)));
    srv.listen(port, host, () => srv.close(() => resolve(undefined)));
  });
}

/** T..T+3 free to bind (skipped for a running peer: they are its own). */
export async function checkTcpPorts(t: number, host = '0.0.0.0'): Promise<Check> {
  const bad: string[] = [];
  for (let i = 0; i < 4; i++) {
    const err = await canListen(t + i, host);
    if (err) bad.push(`${t + i} (${err === 'EADDRINUSE' ? 'in use' : err})`);
  }
  if (bad.length === 0) return { status: 'ok', what: 'tcp ports', detail: `TCP ${t}..${t + 3} can be bound` };
  return { status: 'fail', what: 'tcp ports', detail: `cannot bind TCP ${bad.join(', ')}`, hint: `pick another -t, or stop what uses ${bad[0]!.split(' ')[0]}` };
}

export interface MulticastResult {
  checks: Check[];
  /** Peers that answered our _lanmesh._tcp query: "name address". */
  found: string[];
}

/**
 * Joins 224.0.0.251:port, asks a question only we could ask (multicast loop: it must come back to us)
 * and asks for _lanmesh._tcp; waits up to waitMs for answers. `self`: a running peer's id, left out.
 */
export function checkMulticast(opts: { port?: number; waitMs?: number; self?: PeerId } = {}): Promise<MulticastResult> {
  const port = opts.port ?? 5353;
  const waitMs = opts.waitMs ?? 3000;
  const probe = `lanmesh-doctor-${randomBytes(6).toString('hex')}.local`;
  return new Promise((resolve) => {
    const found = new Map<string, string>();
    let looped = false;
    let sendError: NodeJS.ErrnoException | undefined;
    let mdns: ReturnType<typeof makeMdns>;
    try {
      mdns = makeMdns({ port, reuseAddr: true, loopback: true });
    } catch (err) {
      resolve({ checks: [{ status: 'fail', what: 'multicast', detail: `cannot open an mDNS socket: ${describeError(err)}` }], found: [] });
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      mdns.removeAllListeners();
      mdns.on('error', () => {});
      mdns.destroy(() => resolve({ checks: verdict(looped, sendError, found.size, waitMs), found: [...found.values()] }));
    };
    mdns.on('warning', () => {});
    mdns.on('error', (err: NodeJS.ErrnoException) => {
      sendError ??= err;
      finish();
    });
    mdns.on('query', (q) => {
      if (q.questions?.some((x) => x.name === probe)) looped = true;
    });
    mdns.on('response', (packet, rinfo) => {
      for (const { info, ttlSec } of parseAnnouncements(packet, rinfo)) {
        if (ttlSec > 0 && info.id !== opts.self) found.set(info.id, `${info.name} ${info.address}`);
      }
    });
    mdns.once('ready', () => {
      const sent = (err: Error | null) => {
        if (err && !sendError) {
          sendError = err as NodeJS.ErrnoException;
          finish();
        }
      };
      mdns.query({ questions: [{ name: probe, type: 'A' }] }, sent);
      mdns.query({ questions: [{ name: SERVICE_TYPE, type: 'PTR' }] }, sent);
      timer = setTimeout(finish, waitMs);
    });
  });
}

function verdict(looped: boolean, sendError: NodeJS.ErrnoException | undefined, answers: number, waitMs: number): Check[] {
  const s = `${waitMs / 1000} s`;
  if (sendError) {
    const code = sendError.code;
    if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'EINVAL') {
      return [{
        status: 'fail', what: 'multicast', detail: `no multicast route: sending to 224.0.0.251 failed (${code})`,
        hint: 'add a route for multicast, e.g. ip route add 224.0.0.0/4 dev <your LAN interface> (or a default route)',
      }];
    }
    return [{ status: 'fail', what: 'multicast', detail: `sending to 224.0.0.251 failed: ${describeError(sendError)}` }];
  }
  const loop: Check = looped
    ? { status: 'ok', what: 'multicast', detail: 'our own query came back to us (multicast loop works)' }
    : { status: 'fail', what: 'multicast', detail: `our own query did not come back within ${s} (multicast is dropped on this host)`, hint: 'check the firewall for UDP 5353 and that the interface has multicast on' };
  const heard: Check = answers > 0
    ? { status: 'ok', what: 'mdns answers', detail: `${answers} lanmesh peer${answers === 1 ? '' : 's'} answered _lanmesh._tcp within ${s}` }
    : {
        status: 'warn', what: 'mdns answers', detail: `no lanmesh peer answered _lanmesh._tcp within ${s}`,
        hint: 'start another peer on the LAN; if one runs: open UDP 5353 in both firewalls, check for VPN or Wi-Fi AP (client) isolation, or use --peer HOST:PORT',
      };
  return [loop, heard];
}

export async function checkStaticPeer(e: StaticEntry, timeoutMs = 3000, security?: SocketSecurity): Promise<Check> {
  const where = `${e.host}:${e.port}`;
  try {
    const { answer, address } = await probeHello(e.host, e.port + 1, undefined, timeoutMs, undefined, security);
    const s = answer.self;
    return { status: 'ok', what: 'static peer', detail: `${where}: ${s.name} (${s.id}) at ${address} answers hello on ${e.port + 1}` };
  } catch (err) {
    return {
      status: 'fail', what: 'static peer', detail: `${where}: no hello answer on port ${e.port + 1}: ${describeError(err)}`,
      hint: `check that it runs with -t ${e.port}, that TCP ${e.port}..${e.port + 3} are open in its firewall, that ${e.host} is routed from here, and that both have the same --secret (or none)`,
    };
  }
}
