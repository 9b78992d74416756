// Gets a file's manifest from one of its holders and checks it against the id before trusting it.
// Holders are asked in parallel (a few at a time) and the first valid answer wins, so holders that
// never answer cost one timeout in all, not one each.
import { dialFramed, type FramedConnection } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import { validManifest } from '../store/partial-state.js';
import type { FileId, Manifest } from '../types.js';
import { LanmeshError, describeError } from '../errors.js';

export interface ManifestHolder {
  name: string;
  address: string;
  senderPort: number;
  /** What the dial speaks (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

const TIMEOUT_MS = 5000;
/** Holders asked at once; the next one is asked as soon as one fails. */
export const MANIFEST_ASKS_AT_ONCE = 8;

/** Where the winner's connection goes instead of being closed (the download that follows uses it). */
export type KeepConnection = (h: ManifestHolder, conn: FramedConnection) => void;

async function askOne(id: FileId, h: ManifestHolder, signal: AbortSignal, timeoutMs: number, keep?: KeepConnection): Promise<Manifest> {
  const conn = await dialFramed(h.address, h.senderPort, { timeoutMs, signal, security: h.security });
  let kept = false;
  try {
    const res = await conn.request({ t: 'manifest.get', id }, { timeoutMs, signal });
    const m = validManifest(res.manifest);
    if (m.id !== id) throw new LanmeshError('BAD_MESSAGE', `sent the manifest of ${m.id.slice(0, 12)} instead`);
    if (keep && !signal.aborted) {
      keep(h, conn);
      kept = true;
    }
    return m;
  } finally {
    if (!kept) conn.close();
  }
}

/** NOT_FOUND (with the last reason) when no holder sends a manifest matching `id`; signal.reason when aborted. */
export async function fetchManifest(
  id: FileId,
  holders: ManifestHolder[],
  signal?: AbortSignal,
  timeoutMs = TIMEOUT_MS,
  keep?: KeepConnection,
): Promise<Manifest> {
  signal?.throwIfAborted();
  const race = new AbortController();
  const onAbort = (): void => race.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<Manifest>((resolve, reject) => {
      let last = 'no holder is reachable';
      let next = 0;
      let running = 0;
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
      };
      const launch = (): void => {
        while (!settled && running < MANIFEST_ASKS_AT_ONCE && next < holders.length) {
          const h = holders[next++]!;
          running++;
          askOne(id, h, race.signal, timeoutMs, keep).then(
            (m) => settle(() => resolve(m)),
            (e: unknown) => {
              if (signal?.aborted) return settle(() => reject(signal.reason));
              last = `${h.name} (${h.address}): ${describeError(e)}`;
              running--;
              if (running === 0 && next >= holders.length) {
                settle(() => reject(new LanmeshError('NOT_FOUND', `cannot get the manifest of ${id.slice(0, 12)}: ${last}`)));
              } else launch();
            },
          );
        }
      };
      if (holders.length === 0) reject(new LanmeshError('NOT_FOUND', `cannot get the manifest of ${id.slice(0, 12)}: ${last}`));
      launch();
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // The asks still running lose the race: their connections close now.
    race.abort();
  }
}
