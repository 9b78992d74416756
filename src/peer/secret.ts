// The mesh secret: from --secret / LANMESH_SECRET (given), else the folder's .lanmesh/secret, which
// must be readable by its owner only. A secret that is there but unusable is one clear start-up error,
// never a silent fall back to an open mesh.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LanmeshError } from '../errors.js';
import { checkSecret } from '../wire/mesh-keys.js';

export const SECRET_FILE = join('.lanmesh', 'secret');

/** The phrase to use, or undefined for an open mesh (nothing given, no file). */
export async function loadSecret(given: string | undefined, dir: string): Promise<string | undefined> {
  if (given !== undefined) return checkSecret(given, '--secret');
  const file = join(dir, SECRET_FILE);
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    const why = code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new LanmeshError('BAD_CONFIG', `cannot read the mesh secret ${file}: ${why}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new LanmeshError('BAD_CONFIG', `the mesh secret ${file} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new LanmeshError('BAD_CONFIG', `the mesh secret ${file} is open to other users (mode ${mode}): chmod 600 ${file}`);
    }
    if (st.size > 4096) throw new LanmeshError('BAD_CONFIG', `the mesh secret ${file} is larger than 4096 bytes`);
    return checkSecret(await fh.readFile('utf8'), file);
  } catch (e) {
    if (e instanceof LanmeshError) throw e;
    throw new LanmeshError('BAD_CONFIG', `cannot read the mesh secret ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    await fh.close();
  }
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `lanmesh secret new`: 30 characters from 32 (150 bits), in groups of five for reading aloud. */
export function newSecretPhrase(): string {
  const bytes = randomBytes(30);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]);
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += 5) groups.push(chars.slice(i, i + 5).join(''));
  return groups.join('-');
}
