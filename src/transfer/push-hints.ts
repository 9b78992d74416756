// Holders a push origin told us about (push.holders, relayed from the other recipients' reports),
// per running download: merged into the holders the catalog knows, so a chunk another recipient
// verified is asked for at once, not after its next catalog fetch. Only peers the catalog can reach
// are added; a hint about a chunk a peer does not have costs a refusal, as a stale catalog would.
import { Bitfield } from '../store/bitfield.js';
import type { ChunkIndex, FileId, PeerId } from '../types.js';
import type { HolderInfo } from './holder-session.js';
import type { PeerLookup } from './holders.js';

export class PushHints {
  private readonly byFile = new Map<FileId, Map<PeerId, Bitfield>>();

  /** Adds what the origin said; false when it said nothing new. */
  add(id: FileId, chunks: number, news: ReadonlyArray<{ peer: PeerId; add: readonly ChunkIndex[] }>): boolean {
    let file = this.byFile.get(id);
    if (!file) this.byFile.set(id, (file = new Map()));
    let changed = false;
    for (const { peer, add } of news) {
      let bits = file.get(peer);
      if (!bits) file.set(peer, (bits = new Bitfield(chunks)));
      for (const i of add) {
        if (i < chunks && !bits.has(i)) {
          bits.set(i);
          changed = true;
        }
      }
    }
    return changed;
  }

  forget(id: FileId): void {
    this.byFile.delete(id);
  }

  /** `list` with the hinted chunks added (new holders appended); `skip` peers are never added. */
  merge(id: FileId, list: HolderInfo[], lookup: PeerLookup, skip: (peer: PeerId) => boolean): HolderInfo[] {
    const file = this.byFile.get(id);
    if (!file || file.size === 0) return list;
    const out = list.slice();
    for (const [peer, bits] of file) {
      if (skip(peer)) continue;
      const at = out.findIndex((h) => h.peer === peer);
      const known = out[at];
      if (known) {
        if (known.have === 'all' || known.have.length !== bits.length) continue;
        const have = known.have.clone();
        for (let i = 0; i < bits.length; i++) if (bits.has(i)) have.set(i);
        out[at] = { ...known, have };
        continue;
      }
      const reach = lookup(peer);
      if (!reach || bits.count() === 0) continue;
      out.push({ peer, name: reach.name, address: reach.address, senderPort: reach.ports.sender, have: bits.clone() });
    }
    return out;
  }
}
