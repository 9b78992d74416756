// Which holders one download no longer asks, and why. A holder that sent bad data is out for good.
// One that only failed to deliver (stalls, refusals, chunk.missing: maxStrikes in a row with no
// verified chunk between) is out until the catalog stops listing it for this file: that is how a
// stale catalog entry (the file was just deleted or changed) looks, and once the holder's catalog
// is fixed and it offers the file again it deserves a fresh start.
import type { PeerId } from '../types.js';
import type { DroppedHolder } from './download-types.js';

export class HolderStanding {
  private readonly strikes = new Map<PeerId, number>();
  private readonly out = new Map<PeerId, { forGood: boolean }>();
  /** Every drop of this download, in order, also those forgiven later (for the summary). */
  private readonly history: DroppedHolder[] = [];

  constructor(private readonly maxStrikes: number) {}

  isOut(peer: PeerId): boolean {
    return this.out.has(peer);
  }

  /** Peers out now (a rebuilt scheduler must not use them either). */
  outNow(): PeerId[] {
    return [...this.out.keys()];
  }

  /** One more strike; returns the count when it reaches maxStrikes (drop the holder), else undefined. */
  strike(peer: PeerId): number | undefined {
    if (this.out.has(peer)) return undefined;
    const n = (this.strikes.get(peer) ?? 0) + 1;
    this.strikes.set(peer, n);
    return n >= this.maxStrikes ? n : undefined;
  }

  /** It delivered a verified chunk: its strikes start over. */
  delivered(peer: PeerId): void {
    this.strikes.delete(peer);
  }

  /** Record a drop; false when the holder was out already. */
  drop(dropped: DroppedHolder, forGood: boolean): boolean {
    if (this.out.has(dropped.peer)) return false;
    this.out.set(dropped.peer, { forGood });
    this.strikes.delete(dropped.peer);
    this.history.push(dropped);
    return true;
  }

  /** Holders out for strikes that the catalog no longer lists: forgiven (returned) and may return fresh. */
  forgiveAbsent(listed: ReadonlySet<PeerId>): PeerId[] {
    const forgiven: PeerId[] = [];
    for (const [peer, { forGood }] of this.out) {
      if (forGood || listed.has(peer)) continue;
      this.out.delete(peer);
      forgiven.push(peer);
    }
    return forgiven;
  }

  dropped(): DroppedHolder[] {
    return [...this.history];
  }
}
