// Fetches one peer's catalog from its sender port (catalog.get, page by page), checking that the
// peer that answers is the one we asked for and that every page belongs to one revision.
import { dialFramed, type FramedConnection } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import { MAX_PEER_FILES } from '../wire/messages.js';
import { LanmeshError } from '../errors.js';
import type { FetchedCatalog } from '../catalog/catalog-sync.js';
import type { CatalogEntry, PeerId } from '../types.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** Generous: a large catalog over a slow link takes a while; a dead one is caught by the idle timeout. */
const REPLY_TIMEOUT_MS = 60_000;
/** Reads that may find the catalog changed between its pages before we give up (the sync retries later). */
const MAX_READS = 3;

interface Remote {
  id: PeerId;
  address: string;
  senderPort: number;
}

export async function fetchCatalog(remote: Remote, signal: AbortSignal, security?: SocketSecurity): Promise<FetchedCatalog> {
  const conn = await dialFramed(remote.address, remote.senderPort, { timeoutMs: CONNECT_TIMEOUT_MS, signal, security });
  try {
    for (let read = 1; ; read++) {
      const got = await readPages(conn, remote, signal);
      if (got) return got;
      if (read === MAX_READS) {
        throw new LanmeshError('BUSY', `${where(remote)}: its catalog changed while it was being read, ${MAX_READS} times in a row`);
      }
    }
  } finally {
    conn.close();
  }
}

/** Every page of one revision, or undefined when the revision changed midway (read again). */
async function readPages(conn: FramedConnection, remote: Remote, signal: AbortSignal): Promise<FetchedCatalog | undefined> {
  const files: CatalogEntry[] = [];
  let rev: number | undefined;
  let from = 0;
  for (;;) {
    const res = await conn.request({ t: 'catalog.get', ...(from > 0 ? { from } : {}) }, { timeoutMs: REPLY_TIMEOUT_MS, signal });
    if (res.peer !== remote.id) {
      throw new LanmeshError('BAD_MESSAGE', `${where(remote)} answered as ${res.peer}, expected ${remote.id}`);
    }
    if (rev === undefined) rev = res.rev;
    else if (res.rev !== rev) return undefined;
    if (files.length + res.files.length > MAX_PEER_FILES) {
      throw new LanmeshError('BAD_MESSAGE', `${where(remote)}: catalog holds more than ${MAX_PEER_FILES} files`);
    }
    for (const f of res.files) files.push(f);
    if (res.next === undefined) return { rev, files };
    if (res.next !== from + res.files.length || res.files.length === 0) {
      throw new LanmeshError('BAD_MESSAGE', `${where(remote)}: catalog page at ${from} has ${res.files.length} files but says the next starts at ${res.next}`);
    }
    from = res.next;
  }
}

function where(r: Remote): string {
  return `${r.address}:${r.senderPort}`;
}
