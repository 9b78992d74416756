// Pure: the keys of a private mesh, derived from its secret phrase. scrypt (fixed salt: every member
// must derive the same key, and the phrase is the only input) slows down guessing a weak phrase from
// a recorded mesh tag or handshake; HKDF then splits that into independent keys by context string.
import { createHmac, hkdfSync, scryptSync } from 'node:crypto';
import { LanmeshError } from '../errors.js';

export interface MeshKeys {
  /** The TLS pre-shared key (32 bytes). */
  psk: Buffer;
  /** Announced in mDNS TXT `mesh=`: names the mesh without revealing its secret (16 hex chars). */
  tag: string;
}

const SALT = 'lanmesh private mesh v1';
/** 2^15 × 8 × 1 ≈ 32 MiB and ~100 ms once per start: cheap for a peer, slow for a guesser. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
export const MIN_SECRET_LENGTH = 8;
export const MAX_SECRET_LENGTH = 1024;

export function checkSecret(secret: string, where: string): string {
  const s = secret.trim();
  if (s.length < MIN_SECRET_LENGTH) {
    throw new LanmeshError('BAD_CONFIG', `${where}: the secret must be at least ${MIN_SECRET_LENGTH} characters (lanmesh secret new prints a strong one)`);
  }
  if (s.length > MAX_SECRET_LENGTH) throw new LanmeshError('BAD_CONFIG', `${where}: the secret is longer than ${MAX_SECRET_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new LanmeshError('BAD_CONFIG', `${where}: the secret holds a control character`);
  return s;
}

export function deriveMeshKeys(secret: string): MeshKeys {
  const master = scryptSync(secret.normalize('NFC'), SALT, 32, SCRYPT);
  const psk = Buffer.from(hkdfSync('sha256', master, SALT, 'lanmesh tls-psk', 32));
  const tagKey = Buffer.from(hkdfSync('sha256', master, SALT, 'lanmesh mdns mesh tag', 32));
  const tag = createHmac('sha256', tagKey).update('lanmesh mesh tag').digest('hex').slice(0, 16);
  return { psk, tag };
}
