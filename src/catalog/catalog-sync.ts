// Keeps remote catalogs current: fetches a peer's catalog when it appears or announces a new
// revision, retries with backoff while the peer is present, and forgets it when it leaves.
import type { CatalogEntry, PeerId, PortSet } from '../types.js';
import type { Catalog } from './catalog.js';
import { describeError } from '../errors.js';

export interface SyncTarget {
  id: PeerId;
  name: string;
  rev: number;
  /** Where it answers (stored in the catalog with its files); absent in tests that only sync. */
  address?: string;
  ports?: PortSet;
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
  retryTimer: NodeJS.Timeout | undefined;
  failures: number;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5000;

export class CatalogSync {
  private readonly peers = new Map<PeerId, PeerSyncState>();
  private closed = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly fetch: CatalogFetcher,
    private readonly onWarning: (msg: string) => void,
  ) {}

  /** A peer appeared or re-announced: fetch its catalog if its revision is new to us. */
  seen(target: SyncTarget): void {
    if (this.closed) return;
    let st = this.peers.get(target.id);
    if (!st) {
      st = { target, fetchedRev: undefined, inFlight: undefined, retryTimer: undefined, failures: 0 };
      this.peers.set(target.id, st);
    }
    const changed = st.target.rev !== target.rev;
    st.target = target;
    if (target.address !== undefined && target.ports) {
      this.catalog.locate(target.id, { name: target.name, address: target.address, ports: target.ports });
    }
    if (st.fetchedRev === target.rev || st.inFlight) return;
    // A new revision while a retry waits: the peer is evidently alive again, so fetch now.
    if (st.retryTimer && changed) {
      clearTimeout(st.retryTimer);
      st.retryTimer = undefined;
    }
    if (!st.retryTimer) void this.run(st);
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
    if (st.retryTimer) clearTimeout(st.retryTimer);
    st.retryTimer = undefined;
  }

  private async run(st: PeerSyncState): Promise<void> {
    const ctl = new AbortController();
    st.inFlight = ctl;
    try {
      const got = await this.fetch(st.target.id, ctl.signal, st.target);
      if (ctl.signal.aborted || this.peers.get(st.target.id) !== st) return;
      st.inFlight = undefined;
      st.failures = 0;
      st.fetchedRev = got.rev;
      this.catalog.setRemote(st.target.id, st.target.name, got.files);
      // It may have announced a newer revision while we were fetching.
      if (st.target.rev > got.rev) void this.run(st);
    } catch (err) {
      if (ctl.signal.aborted || this.peers.get(st.target.id) !== st) return;
      st.inFlight = undefined;
      st.failures++;
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (st.failures - 1));
      if (st.failures === 1 || st.failures % 10 === 0) {
        this.onWarning(`catalog of ${st.target.name} not fetched (${describeError(err)}); retrying`);
      }
      st.retryTimer = setTimeout(() => {
        st.retryTimer = undefined;
        if (!this.closed) void this.run(st);
      }, delay);
      st.retryTimer.unref();
    }
  }
}
