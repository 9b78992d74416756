// Keeps remote catalogs current: fetches a peer's catalog when it appears or announces a new
// revision (at most one fetch per peer per gap), retries with backoff while the peer is present or
// answers a revision below the announced one, and forgets it when it leaves. It also records where
// each peer answers in the catalog (Catalog.locate), so transfers never ask discovery.
import type { CatalogEntry, PeerId, PortSet } from '../types.js';
import type { Catalog } from './catalog.js';
import { describeError } from '../errors.js';
import { logger } from '../log.js';

const log = logger('catalog');

export interface SyncTarget {
  id: PeerId;
  name: string;
  rev: number;
  /** Where it answers (stored in the catalog with its files); absent in tests that only sync. */
  address?: string;
  ports?: PortSet;
  /** A one-shot command passing through (role=oneshot): it may leave at any moment, so a failed fetch is only logged. */
  transient?: true;
}

export interface FetchedCatalog {
  rev: number;
  files: CatalogEntry[];
}

export type CatalogFetcher = (peer: PeerId, signal: AbortSignal, target: SyncTarget) => Promise<FetchedCatalog>;

interface PeerSyncState {
  target: SyncTarget;
  fetchedRev: number | undefined;
  inFlight: AbortController | undefined;
  /** The next fetch: a retry after a failure, or the rest of the gap between two fetches. */
  timer: NodeJS.Timeout | undefined;
  failures: number;
  lastStart: number;
}

export interface CatalogSyncInit {
  /** First retry delay; doubles per failure in a row (default 250 ms). */
  retryBaseMs?: number;
  /** Longest retry delay (default 60 s): a peer that never answers costs one fetch a minute. */
  retryMaxMs?: number;
  /** Least time between two fetches of one peer (default 1 s): announcements cannot drive a fetch loop. */
  minGapMs?: number;
}

export class CatalogSync {
  private readonly peers = new Map<PeerId, PeerSyncState>();
  private closed = false;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly minGapMs: number;

  constructor(
    private readonly catalog: Catalog,
    private readonly fetch: CatalogFetcher,
    private readonly onWarning: (msg: string) => void,
    init: CatalogSyncInit = {},
  ) {
    this.retryBaseMs = init.retryBaseMs ?? 250;
    this.retryMaxMs = init.retryMaxMs ?? 60_000;
    this.minGapMs = init.minGapMs ?? 1000;
  }

  /** A peer appeared or re-announced: fetch its catalog if its revision is new to us. */
  seen(target: SyncTarget): void {
    if (this.closed) return;
    let st = this.peers.get(target.id);
    if (!st) {
      st = { target, fetchedRev: undefined, inFlight: undefined, timer: undefined, failures: 0, lastStart: -Infinity };
      this.peers.set(target.id, st);
    }
    const changed = st.target.rev !== target.rev;
    st.target = target;
    if (target.address !== undefined && target.ports) {
      this.catalog.locate(target.id, { name: target.name, address: target.address, ports: target.ports });
    }
    if (st.fetchedRev === target.rev || st.inFlight) return;
    // A new revision while a retry waits: the peer is evidently alive again, so fetch without the backoff.
    if (st.timer && changed) {
      clearTimeout(st.timer);
      st.timer = undefined;
    }
    this.want(st);
  }

  gone(id: PeerId): void {
    const st = this.peers.get(id);
    if (!st) return;
    this.stopPeer(st);
    this.peers.delete(id);
    this.catalog.removePeer(id);
  }

  close(): void {
    this.closed = true;
    for (const st of this.peers.values()) this.stopPeer(st);
    this.peers.clear();
  }

  private stopPeer(st: PeerSyncState): void {
    st.inFlight?.abort();
    st.inFlight = undefined;
    if (st.timer) clearTimeout(st.timer);
    st.timer = undefined;
  }

  /** Fetches now, or once the gap since the last fetch of this peer has passed. */
  private want(st: PeerSyncState): void {
    if (st.inFlight || st.timer) return;
    const wait = st.lastStart + this.minGapMs - Date.now();
    if (wait <= 0) void this.run(st);
    else this.later(st, wait);
  }

  private later(st: PeerSyncState, ms: number): void {
    st.timer = setTimeout(() => {
      st.timer = undefined;
      if (!this.closed && this.peers.get(st.target.id) === st) void this.run(st);
    }, ms);
    st.timer.unref();
  }

  private backoff(st: PeerSyncState, why: string): void {
    st.failures++;
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(st.failures - 1, 30));
    if (st.failures === 1 || st.failures % 10 === 0) {
      const text = `catalog of ${st.target.name} ${why}; retrying in ${(delay / 1000).toFixed(1)} s`;
      if (st.target.transient) log(text);
      else this.onWarning(text);
    }
    this.later(st, delay);
  }

  private async run(st: PeerSyncState): Promise<void> {
    const ctl = new AbortController();
    st.inFlight = ctl;
    st.lastStart = Date.now();
    const asked = st.target.rev;
    try {
      const got = await this.fetch(st.target.id, ctl.signal, st.target);
      if (ctl.signal.aborted || this.peers.get(st.target.id) !== st) return;
      st.inFlight = undefined;
      st.fetchedRev = got.rev;
      this.catalog.setRemote(st.target.id, st.target.name, got.files);
      if (st.target.rev !== asked) {
        // It announced another revision while we were fetching.
        st.failures = 0;
        this.want(st);
      } else if (got.rev < asked) {
        // Below what it announces: a stale answer (or a lie). Kept, and asked again only after a backoff.
        this.backoff(st, `answered revision ${got.rev}, below the announced ${asked}`);
      } else {
        st.failures = 0;
      }
    } catch (err) {
      if (ctl.signal.aborted || this.peers.get(st.target.id) !== st) return;
      st.inFlight = undefined;
      this.backoff(st, `not fetched (${describeError(err)})`);
    }
  }
}
