// Waiting on a peer for one-shot commands: let discovery settle, or wait until a condition holds.
// Each wait is driven by the peer's events with one deadline timer, never by polling sleeps, and
// ends early (rejecting with the signal's reason) when the command is interrupted.
import type { EventEmitter } from 'node:events';
import type { Peer } from '../peer.js';

/** Resolves true as soon as `ready()` holds (checked now and after each of `events`), false at the deadline. */
export function until(
  source: EventEmitter,
  events: string[],
  ready: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ready()) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const check = () => {
      if (ready()) done(() => resolve(true));
    };
    const onAbort = () => done(() => reject(signal!.reason));
    const timer = setTimeout(() => done(() => resolve(false)), Math.max(0, timeoutMs));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      for (const e of events) source.off(e, check);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    for (const e of events) source.on(e, check);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A plain deadline: the user asked for this much discovery time (`--wait`). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Extra time, after `--wait`, for the catalogs of peers already found to arrive. */
export const CATALOG_GRACE_MS = 5000;

/**
 * Discovery has settled when `waitMs` has passed and every peer found so far has sent its catalog
 * (bounded by CATALOG_GRACE_MS more: a peer that never answers does not hang the command).
 */
export async function settle(peer: Peer, waitMs: number, signal?: AbortSignal): Promise<void> {
  await delay(waitMs, signal);
  await catalogsIn(peer, signal);
}

/** Line mode's first answer that depends on the peers: discovery settled since the peer started. */
export async function settleSince(peer: Peer, o: { startedAt: number; waitMs: number; graceMs: number }): Promise<void> {
  if (!peer.discovering) return;
  await delay(o.startedAt + o.waitMs - Date.now());
  await catalogsIn(peer, undefined, o.graceMs);
}

/** The folder's first index, waited for at most `graceMs` (a huge folder must not hold a script for minutes). */
export async function indexedWithin(peer: Peer, graceMs: number): Promise<boolean> {
  let done = false;
  await Promise.race([peer.indexed.then(() => (done = true)), delay(graceMs)]);
  return done;
}

async function catalogsIn(peer: Peer, signal?: AbortSignal, graceMs = CATALOG_GRACE_MS): Promise<void> {
  await until(peer, ['catalog', 'peer:down', 'peer:up'], () => peer.peers().every((p) => p.files !== undefined), graceMs, signal);
}
