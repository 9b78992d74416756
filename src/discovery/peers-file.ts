// `.lanmesh/peers.txt`: static peers kept with a peer's folder (one HOST:PORT a line, # comments).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LanmeshError, describeError } from '../errors.js';
import { parseStaticList, type StaticEntry } from './static-list.js';

export const PEERS_FILE = join('.lanmesh', 'peers.txt');
const MAX_FILE_BYTES = 64 * 1024;

/** The entries of `<dir>/.lanmesh/peers.txt`; none when the file does not exist. */
export async function readPeersFile(dir: string): Promise<StaticEntry[]> {
  const path = join(dir, PEERS_FILE);
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_FILE_BYTES) throw new LanmeshError('BAD_CONFIG', `${path} is larger than ${MAX_FILE_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if (err instanceof LanmeshError) throw err;
    throw new LanmeshError('BAD_CONFIG', `cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
  return parseStaticList(text, path);
}
