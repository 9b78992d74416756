// Who gets which chunk of a push from the origin (pure; docs/ARCHITECTURE.md "Push"). Every member
// is dealt a striped share; a member that holds the file already keeps its share (the others pull it
// from there). The origin sends a chunk to one recipient at most once, and a chunk a second time only
// when its recipient left before anyone else reported it, or in the end game (bounded per recipient).
import { Bitfield } from '../store/bitfield.js';
import type { ChunkIndex, PeerId } from '../types.js';

export type PickKind = 'share' | 'steal' | 'redeal' | 'endgame';

export interface Pick {
  index: ChunkIndex;
  kind: PickKind;
}

/** End-game duplicates one recipient may get: a tenth of the file spread over the recipients, at least 1. */
export function endgameCap(chunkCount: number, recipients: number): number {
  return Math.max(1, Math.ceil((0.1 * chunkCount) / Math.max(1, recipients)));
}

interface Member {
  /** Chunks still to send it, in order (its share, then stolen or re-dealt ones at the back). */
  queue: ChunkIndex[];
  /** Chunks already written to it (never sent to it twice). */
  sent: Bitfield;
  /** What it reported last (everything for a member that held the file). */
  have: Bitfield;
  endgame: number;
  live: boolean;
  done: boolean;
  /** Held the file before the push: served its share instead of receiving it. */
  holder: boolean;
  share: ChunkIndex[];
  shareSet: Set<ChunkIndex>;
}

export class PushPlan {
  private readonly members = new Map<PeerId, Member>();
  private readonly cap: number;
  /** When each chunk was last written to someone: the end game waits for its report a while first. */
  private readonly sentAt: Float64Array;
  /** Re-dealt chunks, for the summary. */
  redealt = 0;

  constructor(
    readonly chunkCount: number,
    recipients: readonly PeerId[],
    holders: readonly PeerId[] = [],
    cap?: number,
    private readonly graceMs = 1500,
  ) {
    this.sentAt = new Float64Array(chunkCount);
    const all = [...recipients, ...holders];
    for (const [n, peer] of all.entries()) {
      const holder = n >= recipients.length;
      const share: ChunkIndex[] = [];
      for (let i = n; i < chunkCount; i += all.length) share.push(i);
      this.members.set(peer, {
        queue: holder ? [] : [...share],
        sent: new Bitfield(chunkCount),
        have: holder ? Bitfield.full(chunkCount) : new Bitfield(chunkCount),
        endgame: 0,
        live: true,
        done: holder,
        holder,
        share,
        shareSet: new Set(share),
      });
    }
    this.cap = cap ?? endgameCap(chunkCount, recipients.length);
  }

  /**
   * A recipient that accepted after the plan was made (it was asked, and its user took a while). Its
   * share is what nobody else was dealt (nothing while others run: then it steals from the longest
   * queues and fetches the rest from the others; everything when it is the first to accept).
   */
  join(peer: PeerId): void {
    if (this.members.has(peer)) return;
    // Chunks nobody live holds, is queued or was sent (every one, when it is the first to accept) are its share.
    const covered = this.union();
    const live = [...this.members.values()].filter((o) => o.live);
    const queued = new Set(live.flatMap((o) => o.queue));
    const share: ChunkIndex[] = [];
    for (let i = 0; i < this.chunkCount; i++) if (!covered.has(i) && !queued.has(i) && !live.some((o) => o.sent.has(i))) share.push(i);
    this.members.set(peer, {
      queue: [...share], sent: new Bitfield(this.chunkCount), have: new Bitfield(this.chunkCount), endgame: 0,
      live: true, done: false, holder: false, share, shareSet: new Set(share),
    });
  }

  /** The next chunk to write to `peer`, or undefined (nothing for it now: ask again after a report or a while). */
  next(peer: PeerId, now = Number.POSITIVE_INFINITY): Pick | undefined {
    const m = this.members.get(peer);
    if (!m || !m.live || m.done || m.holder) return undefined;
    const own = this.take(m, m.queue, 'front');
    if (own) return own;
    const victim = this.longestQueue(peer);
    if (victim) {
      const stolen = this.take(m, victim.queue, 'back');
      if (stolen) return { ...stolen, kind: 'steal' };
    }
    return this.endgamePick(m, now);
  }

  /** The chunk is being written to `peer`. */
  sent(peer: PeerId, index: ChunkIndex, now = 0): void {
    const m = this.members.get(peer);
    if (!m) return;
    m.sent.set(index);
    this.sentAt[index] = now;
  }

  /** A progress report: what `peer` holds now. */
  report(peer: PeerId, have: Bitfield, done: boolean): void {
    const m = this.members.get(peer);
    if (!m || !m.live || m.holder || have.length !== this.chunkCount) return;
    m.have = have;
    if (done) m.done = true;
  }

  /**
   * `peer` left. What was still queued for it, and what it got or held that no live member
   * reported or was sent, goes to the live recipients (shortest queues first). Returns that count.
   */
  gone(peer: PeerId): number {
    const m = this.members.get(peer);
    if (!m || !m.live) return 0;
    m.live = false;
    const owned = new Set(m.holder ? m.share : m.queue);
    for (let i = 0; i < this.chunkCount; i++) if (m.sent.has(i)) owned.add(i);
    m.queue = [];
    const covered = this.union();
    const takers = [...this.members.values()].filter((o) => o.live && !o.done && !o.holder);
    const queued = new Set(takers.flatMap((t) => t.queue));
    let n = 0;
    for (const i of [...owned].sort((a, b) => a - b)) {
      if (covered.has(i) || queued.has(i) || takers.some((t) => t.sent.has(i))) continue;
      const to = takers.sort((a, b) => a.queue.length - b.queue.length)[0];
      if (!to) break;
      to.queue.push(i);
      n++;
    }
    this.redealt += n;
    return n;
  }

  /** Chunks some live member reported holding (or holds as a full holder). */
  union(): Bitfield {
    const out = new Bitfield(this.chunkCount);
    for (const m of this.members.values()) {
      if (!m.live) continue;
      for (let i = 0; i < this.chunkCount; i++) if (m.have.has(i)) out.set(i);
    }
    return out;
  }

  /** True once nothing is left in any queue: every chunk has left the origin once (or sits on a holder). */
  firstPassDone(): boolean {
    return [...this.members.values()].every((m) => !m.live || m.queue.length === 0);
  }

  /** Every recipient is done or gone. */
  finished(): boolean {
    return [...this.members.values()].every((m) => !m.live || m.done);
  }

  queued(peer: PeerId): number {
    return this.members.get(peer)?.queue.length ?? 0;
  }

  private take(m: Member, queue: ChunkIndex[], end: 'front' | 'back'): Pick | undefined {
    while (queue.length > 0) {
      const i = end === 'front' ? queue.shift()! : queue.pop()!;
      if (m.have.has(i) || m.sent.has(i)) continue;
      return { index: i, kind: m.shareSet.has(i) ? 'share' : 'redeal' };
    }
    return undefined;
  }

  /** The live recipient with the longest queue (what it is writing now was taken off its queue already). */
  private longestQueue(except: PeerId): Member | undefined {
    let best: Member | undefined;
    for (const [peer, m] of this.members) {
      if (peer === except || !m.live || m.queue.length === 0) continue;
      if (!best || m.queue.length > best.queue.length) best = m;
    }
    return best;
  }

  /**
   * The end game: every chunk has left the origin, and `m` holds everything any live member reported,
   * so it has nothing to fetch from the others. It gets a chunk nobody reported yet (sent to a slow
   * recipient, or to one that left) and not reported for graceMs after it was sent, at most `cap` times.
   */
  private endgamePick(m: Member, now: number): Pick | undefined {
    if (m.endgame >= this.cap || !this.firstPassDone()) return undefined;
    const covered = this.union();
    for (let i = 0; i < this.chunkCount; i++) if (covered.has(i) && !m.have.has(i)) return undefined;
    for (let i = 0; i < this.chunkCount; i++) {
      if (covered.has(i) || m.have.has(i) || m.sent.has(i) || now - this.sentAt[i]! < this.graceMs) continue;
      m.endgame++;
      return { index: i, kind: 'endgame' };
    }
    return undefined;
  }
}
