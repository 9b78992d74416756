// Walks shared/ and downloads/ and lists every regular file with its size and mtime (stat only, no
// contents). Never follows a link out of the peer folder; skips .lanmesh/ and ".lanmesh-" temp files.
import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import { isInside } from './safe-path.js';

export type Origin = 'shared' | 'downloads';
export const OFFERED_FOLDERS: readonly Origin[] = ['shared', 'downloads'];
export const META_DIR = '.lanmesh';
export const TEMP_PREFIX = '.lanmesh-';

export interface ScannedFile {
  /** Absolute path (through links, as found). */
  path: string;
  /** Relative to the peer folder, '/'-separated, e.g. "shared/music/a.mp3". */
  relPath: string;
  origin: Origin;
  size: number;
  mtimeMs: number;
}

export interface ScanInit {
  /** Absolute peer folder. */
  root: string;
  /** realpath(root): links must resolve inside it. */
  realRoot: string;
  /** A skipped entry and why (unreadable folder, link out of the folder…). */
  onIssue: (relPath: string, message: string) => void;
  /** Called for each folder before it is read, so a watcher attached there misses nothing after. */
  onDir?: (absDir: string) => void;
  signal?: AbortSignal;
}

export interface ScanResult {
  files: ScannedFile[];
  dirs: string[];
}

export const isIgnoredName = (name: string): boolean => name === META_DIR || name.startsWith(TEMP_PREFIX);

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

export async function scanFolder(init: ScanInit): Promise<ScanResult> {
  const { root, realRoot, onIssue, onDir, signal } = init;
  const realMeta = join(realRoot, META_DIR);
  const files: ScannedFile[] = [];
  const dirs: string[] = [];
  const visited = new Set<string>();

  /** lstat, and stat through a link only when it resolves inside the peer folder. */
  async function statEntry(abs: string, rel: string): Promise<Stats | undefined> {
    let st: Stats;
    try {
      st = await lstat(abs);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') onIssue(rel, `skipped ${rel}: ${describeError(e)}`);
      return undefined;
    }
    if (!st.isSymbolicLink()) return st;
    let real: string;
    try {
      real = await realpath(abs);
    } catch (e) {
      onIssue(rel, `skipped ${rel}: broken link (${describeError(e)})`);
      return undefined;
    }
    if (!isInside(realRoot, real) || isInside(realMeta, real)) {
      onIssue(rel, `skipped ${rel}: link points outside the peer folder (or into ${META_DIR}/)`);
      return undefined;
    }
    return stat(abs).catch(() => undefined);
  }

  async function visit(abs: string, rel: string, origin: Origin): Promise<void> {
    if (signal?.aborted) return;
    const st = await statEntry(abs, rel);
    if (!st) return;
    if (st.isDirectory()) await walk(abs, rel, origin);
    else if (st.isFile()) files.push({ path: abs, relPath: rel, origin, size: st.size, mtimeMs: st.mtimeMs });
    // FIFOs, sockets and devices are never offered.
  }

  async function walk(abs: string, rel: string, origin: Origin): Promise<void> {
    let names: string[];
    try {
      // A folder reached twice (links) is walked once: no loops.
      const real = await realpath(abs);
      if (visited.has(real)) return;
      visited.add(real);
      onDir?.(abs);
      dirs.push(abs);
      names = await readdir(abs);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') onIssue(rel, `skipped folder ${rel}: ${describeError(e)}`);
      return;
    }
    names.sort();
    for (const name of names) {
      if (!isIgnoredName(name)) await visit(join(abs, name), `${rel}/${name}`, origin);
    }
  }

  for (const origin of OFFERED_FOLDERS) await visit(join(root, origin), origin, origin);
  return { files, dirs };
}
