// Waiting on a peer for one-shot commands: let discovery settle, or wait until a condition holds.
// Each wait is driven by the peer's events with one deadline timer, never by polling sleeps.
import type { EventEmitter } from 'node:events';
import type { Peer } from '../peer.js';

/** Resolves true as soon as `ready()` holds (checked now and after each of `events`), false at the deadline. */
export function until(source: EventEmitter, events: string[], ready: () => boolean, timeoutMs: number): Promise<boolean> {
  if (ready()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const check = () => {
      if (ready()) done(true);
    };
    const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
    const done = (ok: boolean) => {
      clearTimeout(timer);
      for (const e of events) source.off(e, check);
      resolve(ok);
    };
    for (const e of events) source.on(e, check);
  });
}

/** A plain deadline: the user asked for this much discovery time (`--wait`). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Extra time, after `--wait`, for the catalogs of peers already found to arrive. */
export const CATALOG_GRACE_MS = 5000;

/**
 * Discovery has settled when `waitMs` has passed and every peer found so far has sent its catalog
 * (bounded by CATALOG_GRACE_MS more: a peer that never answers does not hang the command).
 */
export async function settle(peer: Peer, waitMs: number): Promise<void> {
  await delay(waitMs);
  await until(peer, ['catalog', 'peer:down', 'peer:up'], () => peer.peers().every((p) => p.files !== undefined), CATALOG_GRACE_MS);
}
