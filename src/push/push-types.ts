// The shapes a push reports (events on the Peer, for line mode and the Ink UI alike).
import type { FileId, PeerId } from '../types.js';

/** offering: offer sent; receiving: accepted, chunks flowing; held: it had the file and serves it. */
export type RowState = 'offering' | 'receiving' | 'held' | 'done' | 'refused' | 'gone';

/** One recipient of a push, as the origin sees it. */
export interface PushRow {
  peer: PeerId;
  name: string;
  state: RowState;
  /** Why it refused or left. */
  reason?: string;
  /** Chunks it reported holding, of `total`. */
  chunks: number;
  total: number;
  /** What its reports say: chunks stored from the origin, and from the other peers. */
  fromOrigin: number;
  fromPeers: number;
  /** Chunks the origin picked for it (written, or being written). */
  sent: number;
  /** Bytes per second it gained lately. */
  rate: number;
}

export interface PushStart {
  id: FileId;
  name: string;
  size: number;
  recipients: string[];
}

export interface PushSummary {
  id: FileId;
  name: string;
  size: number;
  ms: number;
  /** Chunk bytes the origin uploaded for this push. */
  originBytes: number;
  redealt: number;
  rows: PushRow[];
  /** Peers that appeared after the push started (not included). */
  late?: string[];
}
