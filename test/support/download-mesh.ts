// Helpers for the download tests: a LAN of real peers with chosen files, random files, SHA-256 of
// files on disk, and parsing of the line-mode download notices (docs/ARCHITECTURE.md "Transfer").
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLan, type Lan, type LanHost } from './lan.js';
import { startPeer, type PeerProcess } from './peer-process.js';
import { makeTmpDir } from './tmp-dir.js';

export const PORT = 9001;

export interface DownloadMesh {
  lan: Lan;
  peers: PeerProcess[];
  dirs: string[];
  tmp: string;
  /** Starts peer i again (same folder, host and port) after it exited or was killed. */
  restart(i: number): Promise<PeerProcess>;
}

/** Writes `size` random bytes to `path` in 1 MiB pieces (memory stays small). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    for (let off = 0; off < size; off += 1 << 20) await fh.write(randomBytes(Math.min(1 << 20, size - off)));
  } finally {
    await fh.close();
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * A LAN of `hosts` hosts with a peer named peer1… on each of the first `peers` (default all);
 * `prepare(i, dir)` fills peer i's folder before it starts. Everything is torn down afterwards.
 */
export async function withDownloadMesh(
  hosts: number,
  prepare: (i: number, dir: string) => Promise<void>,
  fn: (m: DownloadMesh) => Promise<void>,
  { peers: peerCount = hosts, args }: { peers?: number; args?: (i: number) => string[] } = {},
): Promise<void> {
  const tmp = await makeTmpDir();
  const lan = await createLan(hosts);
  const peers: PeerProcess[] = [];
  const dirs = lan.hosts.slice(0, peerCount).map((_, i) => join(tmp.path, `peer${i + 1}`));
  const start = (i: number) => startPeer({ host: lan.hosts[i]!, dir: dirs[i]!, port: PORT, name: `peer${i + 1}`, args: args?.(i) });
  try {
    for (const [i, dir] of dirs.entries()) {
      await mkdir(join(dir, 'shared'), { recursive: true });
      await prepare(i, dir);
    }
    // allSettled: when one peer fails to start, the others must still be known here to be closed.
    const started = await Promise.allSettled(dirs.map(async (_, i) => (peers[i] = await start(i))));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await fn({
      lan,
      peers,
      dirs,
      tmp: tmp.path,
      restart: async (i) => {
        await peers[i]!.close();
        peers[i] = await start(i);
        return peers[i]!;
      },
    });
  } finally {
    await Promise.all(peers.map((p) => p?.close()));
    await lan.close();
    await tmp.remove();
  }
}

/** Waits until `where` on peer p lists `n` holders of `query`. */
export function waitHolders(p: PeerProcess, query: string, n: number, timeoutMs = 15_000): Promise<string[]> {
  return p.poll(`where ${query}`, (l) => l[1] === `${n} holder${n === 1 ? '' : 's'}`, { timeoutMs, intervalMs: 200 });
}

export interface DoneLine {
  name: string;
  path: string;
  shares: Map<string, number>;
  fetched: number;
  kept: number;
  refetched: number;
  dropped: string[];
  line: string;
}

const DONE_RE = /^\* downloaded (.+?): .+ → (.+?); from (.*); (\d+) chunks fetched, (\d+) kept, (\d+) refetched(?:; dropped (.*))?$/;
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** The final line of a download; shares in bytes (as formatted: to 0.1 of a unit). */
export function parseDone(line: string): DoneLine {
  const m = DONE_RE.exec(line);
  if (!m) throw new Error(`not a download summary: ${line}`);
  const shares = new Map<string, number>();
  if (!m[3]!.startsWith('nobody')) {
    for (const part of m[3]!.split(', ')) {
      const s = /^(.+) ([\d.]+) (B|KiB|MiB|GiB) \(\d+%\)$/.exec(part);
      if (!s) throw new Error(`bad share '${part}' in ${line}`);
      shares.set(s[1]!, Number(s[2]) * UNITS[s[3]!]!);
    }
  }
  return {
    name: m[1]!,
    path: m[2]!,
    shares,
    fetched: Number(m[4]),
    kept: Number(m[5]),
    refetched: Number(m[6]),
    dropped: m[7] ? m[7].split(', ').map((d) => d.replace(/ \(bad data\)$/, '')) : [],
    line,
  };
}

/** `download <query>` on p; resolves with the parsed final line. */
export async function download(p: PeerProcess, query: string, timeoutMs = 60_000): Promise<DoneLine> {
  const from = p.notices.length;
  const answer = await p.command(`download ${query}`);
  if (!/^(downloading|resuming) /.test(answer[0] ?? '')) throw new Error(`download ${query}: ${answer.join('\n')}`);
  return parseDone(await p.waitForNotice(/^\* downloaded /, timeoutMs, { from }));
}

/** The percentage in a progress notice. */
export function percentOf(line: string): number {
  return Number(/: ([\d.]+)% /.exec(line)?.[1] ?? NaN);
}

/** Runs test/support/hostile-peer.js in the host's namespace; resolves once it is announced. */
export function startHostile(host: LanHost, args: string[]): Promise<ChildProcessWithoutNullStreams> {
  const script = fileURLToPath(new URL('./hostile-peer.js', import.meta.url));
  const child = spawn('ip', ['netns', 'exec', host.netns, process.execPath, script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('hostile ready')) resolve(child);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('exit', (code) => reject(new Error(`hostile peer exited (${code}): ${out}`)));
  });
}
