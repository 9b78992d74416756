// Pure: one file's mesh view (names, agreeing and conflicting holders, shape) from what each peer
// lists for its id. Linear in that file's entries, so a rebuild costs what changed, not the mesh.
import type { CatalogEntry, FileId, PeerId } from '../types.js';

export interface Holder {
  peer: PeerId;
  peerName: string;
  /** The name this holder gives the file. */
  name: string;
  local: boolean;
  /** Base64 bitfield when the holder has only some chunks. */
  have?: string;
  /** The size and chunk size this holder claims (equal to the file's for every listed holder). */
  size: number;
  chunkSize: number;
}

export interface MeshFile {
  id: FileId;
  size: number;
  chunkSize: number;
  /** Distinct names, most common first; never empty (a file nobody agrees on keeps its conflicting names). */
  names: string[];
  holders: Holder[];
  /**
   * Holders whose entry for this id gives another size or chunk size: left out of `holders` (a wrong
   * chunk count would break every bitfield), kept so a manifest (verified against the id) can still be asked of them.
   */
  conflicting: Holder[];
  /** True when this peer holds the whole file. */
  local: boolean;
}

/** A file's shape: what decides its chunk count. */
export interface FileShape {
  size: number;
  chunkSize: number;
}

/** What one peer lists for one id (one peer may give the same bytes several names). */
export interface PeerListing {
  peer: PeerId;
  peerName: string;
  /** When this peer first listed the id (smaller: heard earlier); breaks ties in the shape vote. */
  seq: number;
  local: boolean;
  entries: CatalogEntry[];
}

export const sameShape = (a: FileShape, b: FileShape): boolean => a.size === b.size && a.chunkSize === b.chunkSize;

// One collator for every comparison: String#localeCompare sets one up per call, and views sort a lot.
const collator = new Intl.Collator();

const shapeKey = (s: FileShape): string => `${s.size}/${s.chunkSize}`;

/**
 * The view of `id` from its listings (kept in holder order, see compareListings), or undefined when none.
 * Shape: the verified one, else this peer's own (it hashed the bytes), else the most holders' claim
 * (first heard on a tie).
 */
export function buildMeshFile(id: FileId, listings: readonly PeerListing[], confirmed: FileShape | undefined): MeshFile | undefined {
  const all: Holder[] = [];
  const namesOf: string[][] = [];
  const seqs: number[] = [];
  for (const l of listings) {
    const first = l.entries[0];
    if (!first) continue;
    all.push({ peer: l.peer, peerName: l.peerName, name: first.name, local: l.local, have: first.have, size: first.size, chunkSize: first.chunkSize });
    // Further names of the same holder count only when they agree on the shape.
    namesOf.push(l.entries.filter((e) => sameShape(e, first)).map((e) => e.name));
    seqs.push(l.seq);
  }
  if (all.length === 0) return undefined;
  const shape = confirmed ?? all.find((h) => h.local) ?? majority(all, seqs);
  const holders: Holder[] = [];
  const conflicting: Holder[] = [];
  const agreeing = new Map<string, number>();
  const other = new Map<string, number>();
  all.forEach((h, i) => {
    const agrees = sameShape(h, shape);
    (agrees ? holders : conflicting).push(h);
    const counts = agrees ? agreeing : other;
    for (const n of namesOf[i]!) counts.set(n, (counts.get(n) ?? 0) + 1);
  });
  const names = rank(agreeing.size > 0 ? agreeing : other);
  const local = holders.some((h) => h.local && h.have === undefined);
  return { id, size: shape.size, chunkSize: shape.chunkSize, names, holders, conflicting, local };
}

function majority(holders: Holder[], seqs: number[]): FileShape {
  // A tie goes to the shape heard first.
  const votes = new Map<string, { shape: FileShape; n: number; seq: number }>();
  holders.forEach((h, i) => {
    const key = shapeKey(h);
    const v = votes.get(key);
    if (!v) votes.set(key, { shape: h, n: 1, seq: seqs[i]! });
    else {
      v.n++;
      v.seq = Math.min(v.seq, seqs[i]!);
    }
  });
  let best: { shape: FileShape; n: number; seq: number } | undefined;
  for (const v of votes.values()) if (!best || v.n > best.n || (v.n === best.n && v.seq < best.seq)) best = v;
  return best!.shape;
}

function rank(counts: Map<string, number>): string[] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0])).map(([n]) => n);
}

/** Holder order: by peer name, then id. Listings are kept in it, so no view sorts its holders. */
export const compareListings = (a: PeerListing, b: PeerListing): number =>
  collator.compare(a.peerName, b.peerName) || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0);

/** The order of `list`: by first name, then id. */
export const byNameThenId = (a: MeshFile, b: MeshFile): number =>
  collator.compare(a.names[0] ?? '', b.names[0] ?? '') || a.id.localeCompare(b.id);
