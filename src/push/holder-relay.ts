// Who holds what among the recipients of one push, relayed by the origin (pure). Recipients report
// their verified chunks to the origin anyway; the origin tells every recipient what the others gained
// since it last told it, so a chunk one recipient verified is asked for by the others at once instead
// of after their next catalog fetch of that peer (docs/PROTOCOL.md "push.holders").
import { Bitfield } from '../store/bitfield.js';
import type { ChunkIndex, PeerId } from '../types.js';
import { MAX_HOLDER_INDICES, MAX_PUSH_HOLDERS } from '../wire/push-messages.js';

export interface HolderNews {
  peer: PeerId;
  add: ChunkIndex[];
}

export class HolderRelay {
  /** What each recipient reported so far, and the order its chunks came in (news is a slice of it). */
  private readonly have = new Map<PeerId, { bits: Bitfield; log: ChunkIndex[] }>();
  /** listener → how much of each other recipient's log it was told. */
  private readonly told = new Map<PeerId, Map<PeerId, number>>();

  constructor(
    private readonly chunks: number,
    private readonly maxIndices = MAX_HOLDER_INDICES,
  ) {}

  /** `peer` reported holding `have` (bits only add up: a chunk once verified stays). */
  update(peer: PeerId, have: Bitfield): void {
    if (have.length !== this.chunks) return;
    let known = this.have.get(peer);
    if (!known) this.have.set(peer, (known = { bits: new Bitfield(this.chunks), log: [] }));
    for (let i = 0; i < this.chunks; i++) {
      if (have.has(i) && !known.bits.has(i)) {
        known.bits.set(i);
        known.log.push(i);
      }
    }
  }

  /** `peer` left: nobody is told about it any more, and it is told nothing. */
  forget(peer: PeerId): void {
    this.have.delete(peer);
    this.told.delete(peer);
    for (const t of this.told.values()) t.delete(peer);
  }

  /** `to` has a new connection: the next news for it is everything again. */
  reset(to: PeerId): void {
    this.told.delete(to);
  }

  /** True when `to` has news left (the last news() hit its cap). */
  pending(to: PeerId): boolean {
    const told = this.told.get(to);
    for (const [peer, { log }] of this.have) if (peer !== to && (told?.get(peer) ?? 0) < log.length) return true;
    return false;
  }

  /**
   * What `to` was not told yet about the other recipients, at most maxIndices indices (the rest comes
   * with the next call), marked as told. Empty when there is nothing new.
   */
  news(to: PeerId): HolderNews[] {
    let told = this.told.get(to);
    if (!told) this.told.set(to, (told = new Map()));
    const out: HolderNews[] = [];
    let budget = this.maxIndices;
    for (const [peer, { log }] of this.have) {
      if (peer === to || budget === 0 || out.length === MAX_PUSH_HOLDERS) continue;
      const from = told.get(peer) ?? 0;
      if (from >= log.length) continue;
      const add = log.slice(from, from + budget);
      told.set(peer, from + add.length);
      budget -= add.length;
      out.push({ peer, add });
    }
    return out;
  }
}
