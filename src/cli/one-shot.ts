// One-shot commands for scripts (`lanmesh list|peers|where NAME|download NAME`): join the mesh on a
// throwaway folder and ephemeral ports (unless --dir / -t), let discovery settle, do one thing on the
// shared command layer, leave with a goodbye. Exit 0, or 1 with one line on stderr; interrupted
// (SIGINT/SIGTERM, through `signal`), leave the same way, remove the scratch folder and exit 128+signal.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Peer, type PeerInit } from '../peer.js';
import { parsePeerConfig } from '../config.js';
import { execute } from '../session/commands.js';
import { settle, until } from './settle.js';
import { downloadJson, errorJson, filesJson, foldersJson, peersJson, whereFolderJson, whereJson } from './one-shot-json.js';
import { downloadOnce, placeFile, placeFolder } from './one-shot-download.js';
import { findFolders } from '../catalog/folders.js';
import { distributeOnce } from './one-shot-distribute.js';
import { formatDone, formatProgress } from '../session/text.js';
import { isInside } from '../store/safe-path.js';
import { exitCodeFor } from './exit-codes.js';
import { statusLine, type StatusLine } from './stderr-progress.js';
import type { DownloadEvent } from '../transfer/transfer-service.js';
import { PartialDownload } from '../store/partial-download.js';
import { LanmeshError, describeError } from '../errors.js';
import { printable } from '../text.js';

/** meow flag definitions the one-shot commands add (spread into cli.ts's flags). */
export const ONE_SHOT_FLAGS = {
  json: { type: 'boolean' },
  wait: { type: 'number' },
  out: { type: 'string' },
  to: { type: 'string' },
} as const;

const COMMANDS = ['list', 'peers', 'where', 'download', 'distribute'] as const;
export type OneShotCommand = (typeof COMMANDS)[number];

export const isOneShotCommand = (s: string): s is OneShotCommand => (COMMANDS as readonly string[]).includes(s);

export interface OneShotFlags {
  transferPort?: number;
  dir?: string;
  name?: string;
  peer?: string[];
  json?: boolean;
  wait?: number;
  out?: string;
  to?: string;
  secret?: string;
  /** No status or progress line on stderr. */
  quiet?: boolean;
}

export interface OneShotInit {
  command: OneShotCommand;
  args: string[];
  flags: OneShotFlags;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT/SIGTERM, with the signal's name as its reason. */
  signal?: AbortSignal;
  /** Where LANMESH_PEERS is read (default: none). */
  env?: Record<string, string | undefined>;
}

/** The exit status after an interrupt, as a shell reports it: 128 + the signal's number (130 for SIGINT). */
export function interruptedExit(reason: unknown): number {
  const n = typeof reason === 'string' ? osConstants.signals[reason as NodeJS.Signals] : undefined;
  return 128 + (n ?? osConstants.signals.SIGINT);
}

export const DEFAULT_WAIT_S = 1.5;
/** How long `download` and `where` keep waiting, after discovery settled, for a holder of the name;
 *  and how long a download may go on with no holder reachable. */
export const HOLDER_WAIT_MS = 10_000;

interface Plan {
  name?: string;
  waitMs: number;
  init: PeerInit;
  /** The throwaway folder to delete at the end (absent with --dir). */
  scratch?: string;
  /** The scratch folder is the same for the same download, so a partial kept there resumes. */
  resumable?: boolean;
  /** Where a download goes; undefined with --dir and no --out (it stays in <dir>/downloads). */
  outDir?: string;
}

async function plan(o: OneShotInit): Promise<Plan> {
  const { command, args, flags } = o;
  const name = args.join(' ').trim();
  if ((command === 'where' || command === 'download' || command === 'distribute') && !name) {
    throw new LanmeshError('BAD_COMMAND', `usage: lanmesh ${command} <name | id prefix>`);
  }
  if ((command === 'list' || command === 'peers') && name) {
    throw new LanmeshError('BAD_COMMAND', `takes no argument, got '${name}'`);
  }
  if (flags.out !== undefined && command !== 'download') throw new LanmeshError('BAD_COMMAND', '--out goes with download');
  if (flags.to !== undefined && command !== 'distribute') throw new LanmeshError('BAD_COMMAND', '--to goes with distribute');
  const waitS = flags.wait ?? DEFAULT_WAIT_S;
  if (!Number.isFinite(waitS) || waitS < 0 || waitS > 600) {
    throw new LanmeshError('BAD_CONFIG', `--wait must be a number of seconds from 0 to 600, got ${Number.isNaN(waitS) ? 'something else' : waitS}`);
  }
  const outDir =
    command === 'download' && (flags.out !== undefined || flags.dir === undefined) ? resolve(o.cwd, flags.out ?? '.') : undefined;
  // Without --dir the peer lives in a scratch folder: it must not take over another peer's identity.
  // A download's scratch folder sits in the output folder, so the file moves there by a link.
  // A download's scratch folder is named after what was asked, so an interrupted download resumes when
  // the same command runs again (its lock keeps two such runs apart).
  let scratch: string | undefined;
  const resumable = command === 'download' && flags.dir === undefined;
  try {
    if (resumable) {
      scratch = join(outDir!, `.lanmesh-download-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`);
      // Not recursive: the output folder must exist already (a typo must not create folders).
      await mkdir(scratch).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    } else if (flags.dir === undefined) {
      scratch = await mkdtemp(join(tmpdir(), '.lanmesh-oneshot-'));
    }
  } catch (err) {
    const where = outDir ?? tmpdir();
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no such folder: ${where}` : code === 'ENOTDIR' ? `not a folder: ${where}` : `cannot write in ${where}: ${code ?? (err as Error).message}`;
    throw new LanmeshError('FOLDER_UNUSABLE', why, { cause: err });
  }
  try {
    const init = parsePeerConfig(
      { transferPort: flags.transferPort ?? 0, dir: flags.dir ?? scratch, name: flags.name ?? `oneshot-${process.pid}`, peer: flags.peer, secret: flags.secret },
      o.cwd,
      o.env,
    );
    // Announced as a one-shot: other peers' lists and notices leave it out.
    return { name: name || undefined, waitMs: Math.round(waitS * 1000), init: { ...init, transient: true }, scratch, resumable, outDir };
  } catch (err) {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    throw err;
  }
}

/** Waits until `name` resolves to a file on the mesh (a holder appeared), or the deadline. */
async function awaitHolder(peer: Peer, name: string, status: StatusLine, signal?: AbortSignal): Promise<void> {
  const found = () => peer.catalog.find(name).length > 0 || findFolders(peer.catalog.folders(), name).length > 0;
  if (found()) return;
  status.show(`waiting up to ${HOLDER_WAIT_MS / 1000} s for a peer holding '${name}'…`);
  await until(peer, ['catalog'], found, HOLDER_WAIT_MS, signal);
}

async function act(peer: Peer, o: OneShotInit, p: Plan, status: StatusLine): Promise<{ text: string[]; json: unknown }> {
  switch (o.command) {
    case 'list': {
      const text = (await execute({ peer }, 'list')).lines;
      return { text, json: { folders: foldersJson(peer.folders()), ...filesJson(peer.files()) } };
    }
    case 'peers': {
      const text = (await execute({ peer }, 'peers')).lines;
      return { text, json: peersJson({ id: peer.id, name: peer.name, ports: peer.ports }, peer.peers()) };
    }
    case 'where': {
      await awaitHolder(peer, p.name!, status, o.signal);
      status.clear();
      const text = (await execute({ peer }, `where ${p.name}`)).lines;
      const folder = peer.whereFolder(p.name!);
      return { text, json: folder ? whereFolderJson(folder) : whereJson(peer.where(p.name!)) };
    }
    case 'download': {
      await awaitHolder(peer, p.name!, status, o.signal);
      const onProgress = (e: DownloadEvent) => {
        if (e.type !== 'progress' && e.type !== 'state') return;
        const d = e.progress;
        status.show(d.state === 'waiting' ? `${formatProgress(d)}: waiting for a holder` : formatProgress(d));
      };
      peer.on('download', onProgress);
      let summary;
      try {
        ({ summary } = await downloadOnce(peer, p.name!, { stallMs: HOLDER_WAIT_MS, signal: o.signal }));
      } finally {
        peer.off('download', onProgress);
        status.clear();
      }
      const place = summary.folder ? placeFolder : placeFile;
      const path = p.outDir ? await place(summary.path, p.outDir, p.scratch !== undefined) : summary.path;
      // The file's place as the user would type it: relative inside the current folder, else absolute.
      const shown = isInside(o.cwd, path) ? relative(o.cwd, path) : path;
      const text = formatDone({ ...summary, path }, dirname(path)).replace(`→ ${basename(path)}${summary.folder ? '/' : ''}; `, `→ ${shown}${summary.folder ? '/' : ''}; `);
      return { text: [text], json: downloadJson(summary, path) };
    }
    case 'distribute':
      return distributeOnce(peer, { what: p.name!, to: o.flags.to, cwd: o.cwd, signal: o.signal });
  }
}

export async function runOneShot(o: OneShotInit): Promise<number> {
  const say = (s: string) => o.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  const status = statusLine(o.stderr, o.flags.json !== true && o.flags.quiet !== true);
  const failLine = (err: unknown) => {
    status.clear();
    o.stderr.write(`lanmesh ${o.command}: ${describeError(err)}\n`);
    if (o.flags.json) say(JSON.stringify(errorJson(err)));
    return exitCodeFor(err);
  };
  let p: Plan;
  try {
    p = await plan(o);
  } catch (err) {
    return failLine(err);
  }
  let peer: Peer | undefined;
  let done = false;
  try {
    o.signal?.throwIfAborted();
    peer = await Peer.start(p.init);
    status.show('joining the mesh…');
    await settle(peer, p.waitMs, o.signal);
    const out = await act(peer, o, p, status);
    await peer.stop();
    say(o.flags.json ? JSON.stringify(out.json) : out.text.map(printable).join('\n'));
    done = true;
    return 0;
  } catch (err) {
    if (!o.signal?.aborted) return failLine(err);
  } finally {
    status.clear();
    await peer?.stop();
    if (p.scratch) await cleanScratch(p, done, o);
  }
  // Interrupted: the peer has left (goodbye sent) and the scratch folder is gone.
  o.stderr.write(`lanmesh ${o.command}: interrupted${peer ? '; left the mesh (goodbye sent)' : ''}\n`);
  return interruptedExit(o.signal?.reason);
}

/**
 * Removes the scratch folder, except after a download that did not finish but kept verified chunks:
 * those stay (the same command resumes them) and stderr says so.
 */
async function cleanScratch(p: Plan, done: boolean, o: OneShotInit): Promise<void> {
  if (!done && p.resumable) {
    const kept = await PartialDownload.list(p.scratch!).catch(() => []);
    const held = kept.reduce((n, k) => n + k.have.count(), 0);
    if (held > 0) {
      const chunks = kept.reduce((n, k) => n + k.manifest.hashes.length, 0);
      o.stderr.write(`lanmesh ${o.command}: kept ${held} of ${chunks} chunks in ${p.scratch}: run the same command again to resume\n`);
      return;
    }
  }
  await rm(p.scratch!, { recursive: true, force: true });
}
