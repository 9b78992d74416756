// The peer's id: 16 random hex chars kept in .lanmesh/peer-id, created on first start.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asPeerId, PEER_ID_RE, type PeerId } from '../types.js';
import { LanmeshError } from '../errors.js';
import { createFileAtomic, writeFileAtomic } from './atomic-write.js';

export async function loadOrCreatePeerId(dir: string): Promise<PeerId> {
  const meta = join(dir, '.lanmesh');
  const file = join(meta, 'peer-id');
  try {
    await mkdir(meta, { recursive: true });
    const existing = await readId(file);
    if (existing !== undefined) return existing;
    const id = randomBytes(8).toString('hex');
    if (await createFileAtomic(file, `${id}\n`)) return asPeerId(id);
    // Someone else created it meanwhile: theirs wins, unless it is unusable.
    const theirs = await readId(file);
    if (theirs !== undefined) return theirs;
    await writeFileAtomic(file, `${id}\n`);
    return asPeerId(id);
  } catch (e) {
    throw new LanmeshError('FOLDER_UNUSABLE', `cannot read or create ${file}`, { cause: e });
  }
}

/** The stored id; undefined when the file is missing or does not hold a valid id (it is replaced). */
async function readId(file: string): Promise<PeerId | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const id = text.trim();
  if (PEER_ID_RE.test(id)) return asPeerId(id);
  return undefined;
}
