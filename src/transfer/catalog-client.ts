// Fetches one peer's catalog from its sender port (catalog.get), checking that the peer that
// answers is the one we asked for.
import { dialFramed } from '../wire/connection.js';
import { LanmeshError } from '../errors.js';
import type { FetchedCatalog } from '../catalog/catalog-sync.js';
import type { PeerId } from '../types.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** Generous: a large catalog over a slow link takes a while; a dead one is caught by the idle timeout. */
const REPLY_TIMEOUT_MS = 60_000;

export async function fetchCatalog(
  remote: { id: PeerId; address: string; senderPort: number },
  signal: AbortSignal,
): Promise<FetchedCatalog> {
  const conn = await dialFramed(remote.address, remote.senderPort, { timeoutMs: CONNECT_TIMEOUT_MS, signal });
  try {
    const res = await conn.request({ t: 'catalog.get' }, { timeoutMs: REPLY_TIMEOUT_MS, signal });
    if (res.peer !== remote.id) {
      throw new LanmeshError('BAD_MESSAGE', `${remote.address}:${remote.senderPort} answered as ${res.peer}, expected ${remote.id}`);
    }
    return { rev: res.rev, files: res.files };
  } finally {
    conn.close();
  }
}
