// On-disk records of a partial download (.lanmesh/partial/<fileId>/): manifest.json, written once,
// and state.json, the bitfield of durable chunks, rewritten on every batch commit (temp, fsync,
// rename); until the first commit there is none, which means no chunk held.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LanmeshError } from '../errors.js';
import type { Manifest } from '../types.js';
import { writeFileAtomic } from './atomic-write.js';
import { Bitfield } from './bitfield.js';
import { verifyManifest } from './manifest.js';

export const PARTIAL_DIR = join('.lanmesh', 'partial');
export const DATA_FILE = 'data';
export const MANIFEST_FILE = 'manifest.json';
export const STATE_FILE = 'state.json';

/** One partial download found on disk. */
export interface PartialInfo {
  manifest: Manifest;
  have: Bitfield;
  dir: string;
}

export function partialRoot(peerDir: string): string {
  return join(peerDir, PARTIAL_DIR);
}

/** A copy of a manifest from the wire or disk, or BAD_MESSAGE unless well-formed and its id matches its hash list. */
export function validManifest(x: unknown): Manifest {
  if (!verifyManifest(x)) {
    const id = (x as { id?: unknown } | null)?.id;
    throw new LanmeshError('BAD_MESSAGE', `manifest ${typeof id === 'string' ? id.slice(0, 64) : '?'} is malformed or does not match its id`);
  }
  return { id: x.id, name: x.name, size: x.size, chunkSize: x.chunkSize, hashes: [...x.hashes] };
}

/** Same content (the name may differ: the id leaves it out). */
export function sameContent(a: Manifest, b: Manifest): boolean {
  return (
    a.id === b.id &&
    a.size === b.size &&
    a.chunkSize === b.chunkSize &&
    a.hashes.length === b.hashes.length &&
    a.hashes.every((h, i) => h === b.hashes[i])
  );
}

export async function readPartialInfo(dir: string): Promise<PartialInfo> {
  const manifest = validManifest(await readJson(join(dir, MANIFEST_FILE)));
  // No state.json: no commit has happened yet, so no chunk is known to be durable.
  const state = await readJson(join(dir, STATE_FILE)).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, id: manifest.id, have: new Bitfield(manifest.hashes.length).toBase64() };
    throw e;
  });
  if (typeof state !== 'object' || state === null) throw new LanmeshError('BAD_MESSAGE', `${STATE_FILE} is not an object`);
  const { v, id, have } = state as { v?: unknown; id?: unknown; have?: unknown };
  if (v !== 1 || id !== manifest.id || typeof have !== 'string') {
    throw new LanmeshError('BAD_MESSAGE', `${STATE_FILE} does not belong to file ${manifest.id}`);
  }
  return { manifest, have: Bitfield.fromBase64(have, manifest.hashes.length), dir };
}

export function writeManifestFile(dir: string, manifest: Manifest): Promise<void> {
  return writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
}

export function writeStateFile(dir: string, manifest: Manifest, have: string): Promise<void> {
  return writeFileAtomic(join(dir, STATE_FILE), JSON.stringify({ v: 1, id: manifest.id, have }));
}

/** Makes a rename or link in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LanmeshError('BAD_MESSAGE', `${path} is not JSON`, { cause: e });
  }
}
