// A LAN of network namespaces for tests (DESIGN.md "Testing on one machine"): a switch namespace with
// a bridge, one namespace per host joined to it by a veth pair, a /24 address and a default route per
// host (so multicast stays on the LAN). Needs root; close() deletes everything it made.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Namespaces made here: lm<creator pid>x<tag>h<n>, …sw, …sw2 (second subnet) and …rt (its router). */
const NETNS_RE = /^lm(\d+)x[0-9a-z]+(?:h\d+|sw\d*|rt)$/;
const BRIDGE = 'br0';

export interface LanHost {
  /** h1, h2, …: for messages. */
  name: string;
  /** The host's network namespace (use with `ip netns exec`). */
  netns: string;
  /** Its IPv4 address on the LAN, e.g. 10.77.0.1. */
  address: string;
  /** Its interface on the LAN (host side of the veth pair; named lmv<n>). */
  iface: string;
}

export interface LanInit {
  /** Names every namespace `<prefix>h<n>` / `<prefix>sw`. Default lm<pid>x<random>; only that form is
   *  cleaned up when left behind by a dead process. */
  prefix?: string;
  /** A /24: "10.77.0.0/24" (default) or "10.77.0". Host n gets .n. */
  subnet?: string;
}

export interface Lan {
  prefix: string;
  /** The namespace holding the bridge. */
  switchNetns: string;
  hosts: LanHost[];
  /** Shapes both directions of a host's link with tc tbf; null removes the shaping. */
  setLinkRate(host: LanHost, bitsPerSecond: number | null): Promise<void>;
  /** Deletes every namespace (and so every link) the LAN made. Idempotent. */
  close(): Promise<void>;
}

/** Why a LAN cannot be built here, or undefined when it can. */
export function lanUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to build network namespaces';
  const probe = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return "needs the 'ip' tool (iproute2) with netns support";
  return undefined;
}

export function canBuildLan(): boolean {
  return lanUnavailableReason() === undefined;
}

/** argv that runs `argv` inside the host's namespace. */
export function inNetns(host: LanHost, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', host.netns, ...argv];
}

async function sh(cmd: string, args: string[]): Promise<void> {
  try {
    await execFileP(cmd, args);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`lan: '${cmd} ${args.join(' ')}' failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

async function listNetns(): Promise<string[]> {
  const { stdout } = await execFileP('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces of our naming scheme whose creating process is gone (a crashed or killed test). */
export async function removeStaleNamespaces(): Promise<string[]> {
  const stale = (await listNetns()).filter((n) => {
    const m = NETNS_RE.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  for (const n of stale) await sh('ip', ['netns', 'del', n]).catch(() => undefined);
  return stale;
}

function parseSubnet(subnet: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\.0\/24)?$/.exec(subnet);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) {
    throw new Error(`lan: subnet must look like 10.77.0.0/24 or 10.77.0, got '${subnet}'`);
  }
  return `${m[1]}.${m[2]}.${m[3]}`;
}

/** A host on a bridge: veth pair (both ends made in the switch namespace, so nothing ever appears in
 *  the caller's), its address, and a default route on the LAN so multicast has a way out. */
async function joinHost(switchNetns: string, port: string, h: LanHost): Promise<void> {
  await sh('ip', ['-n', switchNetns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', h.iface, 'netns', h.netns]);
  await sh('ip', ['-n', switchNetns, 'link', 'set', port, 'master', BRIDGE, 'up']);
  await sh('ip', ['-n', h.netns, 'link', 'set', 'lo', 'up']);
  await sh('ip', ['-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', h.iface]);
  await sh('ip', ['-n', h.netns, 'link', 'set', h.iface, 'multicast', 'on', 'up']);
  await sh('ip', ['-n', h.netns, 'route', 'add', 'default', 'dev', h.iface]);
}

/** An idempotent close() deleting `made` in reverse: hosts first (each takes its veth pair with it),
 *  then the switches with their bridges. */
function namespaceRemover(made: string[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      const errors: string[] = [];
      for (const ns of [...made].reverse()) {
        await sh('ip', ['netns', 'del', ns]).catch((e: Error) => {
          if (!/No such file/.test(e.message)) errors.push(e.message);
        });
      }
      if (errors.length) throw new Error(`lan: close left something behind: ${errors.join('; ')}`);
    })();
    return closing;
  };
}

async function addBridge(netns: string): Promise<void> {
  // No IGMP snooping: without a querier it could stop multicast between hosts.
  await sh('ip', ['-n', netns, 'link', 'add', BRIDGE, 'type', 'bridge', 'forward_delay', '0', 'mcast_snooping', '0']);
  await sh('ip', ['-n', netns, 'link', 'set', BRIDGE, 'up']);
}

export async function createLan(hostCount: number, opts: LanInit = {}): Promise<Lan> {
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > 250) {
    throw new Error(`lan: hostCount must be 1..250, got ${hostCount}`);
  }
  const reason = lanUnavailableReason();
  if (reason) throw new Error(`lan: ${reason}`);
  const net = parseSubnet(opts.subnet ?? '10.77.0.0/24');
  await removeStaleNamespaces();

  const existing = new Set(await listNetns());
  let prefix = opts.prefix;
  while (prefix === undefined || existing.has(`${prefix}sw`)) {
    if (opts.prefix !== undefined) throw new Error(`lan: namespaces with prefix '${opts.prefix}' already exist`);
    prefix = `lm${process.pid}x${randomBytes(3).toString('hex')}`;
  }
  const switchNetns = `${prefix}sw`;
  const hosts: LanHost[] = Array.from({ length: hostCount }, (_, i) => ({
    name: `h${i + 1}`,
    netns: `${prefix}h${i + 1}`,
    address: `${net}.${i + 1}`,
    iface: `lmv${i + 1}`,
  }));

  const made: string[] = [];
  const close = namespaceRemover(made);

  try {
    await sh('ip', ['netns', 'add', switchNetns]);
    made.push(switchNetns);
    await addBridge(switchNetns);
    for (const [i, h] of hosts.entries()) {
      await sh('ip', ['netns', 'add', h.netns]);
      made.push(h.netns);
      await joinHost(switchNetns, `lmp${i + 1}`, h);
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }

  const setLinkRate = async (host: LanHost, bitsPerSecond: number | null): Promise<void> => {
    const i = hosts.indexOf(host);
    if (i < 0) throw new Error(`lan: ${host.name} is not a host of this LAN`);
    const ends: Array<[string, string]> = [
      [host.netns, host.iface],
      [switchNetns, `lmp${i + 1}`],
    ];
    for (const [ns, dev] of ends) {
      if (bitsPerSecond === null) {
        await sh('tc', ['-n', ns, 'qdisc', 'del', 'dev', dev, 'root']).catch(() => undefined);
        continue;
      }
      if (!(bitsPerSecond > 0)) throw new Error(`lan: rate must be a positive number of bits/s, got ${bitsPerSecond}`);
      // Burst: at least 20 ms of traffic and well above one MTU, or tbf drops full-size packets.
      const burst = Math.max(32 * 1024, Math.ceil(bitsPerSecond / 8 / 50));
      const rate = `${Math.round(bitsPerSecond)}bit`;
      await sh('tc', ['-n', ns, 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', rate, 'burst', String(burst), 'latency', '100ms']);
    }
  };

  return { prefix, switchNetns, hosts, setLinkRate, close };
}

export interface RoutedLan {
  prefix: string;
  /** Every host, subnet A's first: hosts[i].subnet says which. */
  hosts: Array<LanHost & { subnet: 0 | 1 }>;
  /** The router's namespace (forwards unicast between the subnets; multicast stays on each). */
  routerNetns: string;
  /** Deletes every namespace it made. Idempotent. */
  close(): Promise<void>;
}

/**
 * Two LANs joined by a router (issue 9's "two subnets"): subnet A 10.77.0.0/24 with `a` hosts, subnet
 * B 10.77.1.0/24 with `b` hosts, the router at .254 on both. Hosts route the other subnet through
 * the router; mDNS (multicast) is not routed, so each side sees only its own by mDNS.
 */
export async function createRoutedLan(a: number, b: number, opts: { subnets?: [string, string] } = {}): Promise<RoutedLan> {
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1 || a + b > 250) {
    throw new Error(`lan: host counts must be ≥ 1 each and ≤ 250 together, got ${a} and ${b}`);
  }
  const reason = lanUnavailableReason();
  if (reason) throw new Error(`lan: ${reason}`);
  const nets = (opts.subnets ?? ['10.77.0', '10.77.1']).map(parseSubnet) as [string, string];
  await removeStaleNamespaces();
  const existing = new Set(await listNetns());
  let prefix = `lm${process.pid}x${randomBytes(3).toString('hex')}`;
  while (existing.has(`${prefix}sw`)) prefix = `lm${process.pid}x${randomBytes(3).toString('hex')}`;
  const switches = [`${prefix}sw`, `${prefix}sw2`] as const;
  const routerNetns = `${prefix}rt`;
  const hosts = Array.from({ length: a + b }, (_, i) => {
    const subnet = (i < a ? 0 : 1) as 0 | 1;
    const n = subnet === 0 ? i + 1 : i - a + 1;
    return { name: `h${i + 1}`, netns: `${prefix}h${i + 1}`, address: `${nets[subnet]}.${n}`, iface: `lmv${i + 1}`, subnet };
  });

  const made: string[] = [];
  const close = namespaceRemover(made);

  try {
    for (const sw of switches) {
      await sh('ip', ['netns', 'add', sw]);
      made.push(sw);
      await addBridge(sw);
    }
    await sh('ip', ['netns', 'add', routerNetns]);
    made.push(routerNetns);
    await sh('ip', ['-n', routerNetns, 'link', 'set', 'lo', 'up']);
    for (const [i, sw] of switches.entries()) {
      const side = `lmr${i + 1}`;
      await sh('ip', ['-n', sw, 'link', 'add', 'lmrp', 'type', 'veth', 'peer', 'name', side, 'netns', routerNetns]);
      await sh('ip', ['-n', sw, 'link', 'set', 'lmrp', 'master', BRIDGE, 'up']);
      await sh('ip', ['-n', routerNetns, 'addr', 'add', `${nets[i]}.254/24`, 'dev', side]);
      await sh('ip', ['-n', routerNetns, 'link', 'set', side, 'up']);
    }
    await sh('ip', ['netns', 'exec', routerNetns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    for (const [i, h] of hosts.entries()) {
      await sh('ip', ['netns', 'add', h.netns]);
      made.push(h.netns);
      await joinHost(switches[h.subnet], `lmp${i + 1}`, h);
      const other = 1 - h.subnet;
      await sh('ip', ['-n', h.netns, 'route', 'add', `${nets[other]}.0/24`, 'via', `${nets[h.subnet]}.254`, 'dev', h.iface]);
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { prefix, hosts, routerNetns, close };
}
