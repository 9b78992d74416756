// Gets a file's manifest from one of its holders and checks it against the id before trusting it.
import { dialFramed } from '../wire/connection.js';
import { validManifest } from '../store/partial-state.js';
import type { FileId, Manifest } from '../types.js';
import { LanmeshError, describeError } from '../errors.js';

export interface ManifestHolder {
  name: string;
  address: string;
  senderPort: number;
}

const TIMEOUT_MS = 5000;

/** Tries each holder in turn; NOT_FOUND (with the last reason) when none sends a manifest matching `id`. */
export async function fetchManifest(id: FileId, holders: ManifestHolder[], signal?: AbortSignal): Promise<Manifest> {
  let last = 'no holder is reachable';
  for (const h of holders) {
    try {
      const conn = await dialFramed(h.address, h.senderPort, { timeoutMs: TIMEOUT_MS, signal });
      try {
        const res = await conn.request({ t: 'manifest.get', id }, { timeoutMs: TIMEOUT_MS, signal });
        const m = validManifest(res.manifest);
        if (m.id !== id) throw new LanmeshError('BAD_MESSAGE', `sent the manifest of ${m.id.slice(0, 12)} instead`);
        return m;
      } finally {
        conn.close();
      }
    } catch (e) {
      if (signal?.aborted) throw e;
      last = `${h.name} (${h.address}): ${describeError(e)}`;
    }
  }
  throw new LanmeshError('NOT_FOUND', `cannot get the manifest of ${id.slice(0, 12)}: ${last}`);
}
