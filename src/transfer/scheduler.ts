// Pure multi-source chunk scheduler: which chunk to ask which holder for. No sockets, no timers:
// the caller passes the time (ms, any monotonic origin) and reports every outcome back.
import { LanmeshError } from '../errors.js';
import { Bitfield } from '../store/bitfield.js';
import type { ChunkIndex } from '../types.js';

export interface SchedulerInit {
  chunkCount: number;
  /** Chunks this peer already holds (copied; never requested). */
  have: Bitfield;
  /** Chunks in flight for the fastest holder (default 8); slower holders get proportionally fewer, at least 2. */
  perHolderWindow?: number;
  /** Endgame starts once every fetchable chunk is in flight and at most this many are (default 32). */
  endgameThreshold?: number;
  /** Random source in [0,1) for tie-breaks among equally rare chunks; inject `seededRandom(n)` in tests. */
  random?: () => number;
}

export interface HolderStats {
  id: string;
  chunks: number;
  bytes: number;
  /** Measured throughput in bytes per second (0 until measured). */
  rate: number;
  window: number;
  inFlight: number;
  failures: number;
  active: boolean;
  banned: boolean;
}

export interface ChunkOutcome {
  /** Other holders that were also fetching this chunk (endgame): cancel it there. */
  duplicateOf?: string[];
}

interface Holder {
  have: Bitfield | 'all';
  /** chunk → time it was requested */
  inFlight: Map<ChunkIndex, number>;
}

interface HolderRecord {
  chunks: number;
  bytes: number;
  failures: number;
  /** EWMA throughput in bytes per ms; undefined until the first sample. */
  rate: number | undefined;
  sampleStart: number;
  sampleBytes: number;
  active: boolean;
}

const RATE_ALPHA = 0.3;
/** A throughput sample spans at least this long (ms), so coarse clocks do not give infinite rates. */
const MIN_SAMPLE_MS = 1;

export class Scheduler {
  readonly chunkCount: number;
  private readonly done: Bitfield;
  /** Not done and not in flight anywhere; insertion order is the random tie-break. */
  private readonly pending = new Set<ChunkIndex>();
  private readonly inFlightBy = new Map<ChunkIndex, Set<string>>();
  private readonly partialCount: Uint32Array;
  private allCount = 0;
  private readonly holders = new Map<string, Holder>();
  private readonly records = new Map<string, HolderRecord>();
  private readonly banned = new Set<string>();
  private readonly maxWindow: number;
  private readonly endgameThreshold: number;

  constructor(init: SchedulerInit) {
    const { chunkCount, have } = init;
    if (!Number.isSafeInteger(chunkCount) || chunkCount < 0) throw new RangeError(`chunk count ${chunkCount}`);
    if (have.length !== chunkCount) throw new RangeError(`have has ${have.length} bits for ${chunkCount} chunks`);
    this.chunkCount = chunkCount;
    this.done = have.clone();
    this.partialCount = new Uint32Array(chunkCount);
    this.maxWindow = Math.max(1, Math.floor(init.perHolderWindow ?? 8));
    this.endgameThreshold = Math.max(0, init.endgameThreshold ?? 32);
    const order = this.done.missing();
    const random = init.random ?? Math.random;
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) this.pending.add(i);
  }

  /** A new holder (or new news of a known one). Banned holders stay out. */
  addHolder(id: string, have: Bitfield | 'all'): void {
    if (this.banned.has(id)) return;
    if (have !== 'all' && have.length !== this.chunkCount) {
      throw new LanmeshError('BAD_MESSAGE', `holder ${id} has a bitfield of ${have.length} for ${this.chunkCount} chunks`);
    }
    const known = this.holders.get(id);
    if (known) {
      this.count(known.have, -1);
      known.have = have;
    } else {
      this.holders.set(id, { have, inFlight: new Map() });
      const rec = this.records.get(id);
      if (rec) rec.active = true;
      else this.records.set(id, { chunks: 0, bytes: 0, failures: 0, rate: undefined, sampleStart: 0, sampleBytes: 0, active: true });
    }
    this.count(have, +1);
  }

  updateHolder(id: string, have: Bitfield | 'all'): void {
    if (this.holders.has(id)) this.addHolder(id, have);
  }

  /** The holder is gone: its in-flight chunks (returned) go back to the queue. */
  removeHolder(id: string): ChunkIndex[] {
    const h = this.holders.get(id);
    if (!h) return [];
    const back = [...h.inFlight.keys()];
    for (const i of back) this.release(id, h, i);
    this.count(h.have, -1);
    this.holders.delete(id);
    this.records.get(id)!.active = false;
    return back;
  }

  /** Stop using it for this download (bad data, or too many failures to deliver) until pardon(). */
  ban(id: string): ChunkIndex[] {
    this.banned.add(id);
    const rec = this.records.get(id);
    if (rec) rec.failures++;
    return this.removeHolder(id);
  }

  /** It may be used again (it was banned for failing to deliver, and has since left the catalog). */
  pardon(id: string): void {
    this.banned.delete(id);
  }

  isBanned(id: string): boolean {
    return this.banned.has(id);
  }

  /** Chunks to request from this holder now, filling its window. Never one it is already fetching. */
  next(holderId: string, now: number): ChunkIndex[] {
    const h = this.holders.get(holderId);
    if (!h) return [];
    const room = this.windowOf(holderId) - h.inFlight.size;
    if (room <= 0) return [];
    const { picks, othersLeft } = this.rarest(h, room);
    // A short pick means the scan saw the whole queue: all this holder could take first-hand is taken.
    if (picks.length < room && !othersLeft && this.inFlightBy.size <= this.endgameThreshold) {
      picks.push(...this.endgame(holderId, h, room - picks.length));
    }
    if (picks.length > 0 && h.inFlight.size === 0) {
      const rec = this.records.get(holderId)!;
      rec.sampleStart = now;
      rec.sampleBytes = 0;
    }
    for (const i of picks) {
      h.inFlight.set(i, now);
      this.pending.delete(i);
      let by = this.inFlightBy.get(i);
      if (!by) this.inFlightBy.set(i, (by = new Set()));
      by.add(holderId);
    }
    return picks;
  }

  /** A chunk from this holder was verified and stored. `bytes` is its length. */
  onChunk(holderId: string, index: ChunkIndex, bytes: number, now: number): ChunkOutcome {
    const h = this.holders.get(holderId);
    const rec = this.records.get(holderId);
    if (h?.inFlight.delete(index) && rec) this.measure(rec, bytes, now);
    const by = this.inFlightBy.get(index);
    by?.delete(holderId);
    if (!this.done.has(index) && index < this.chunkCount && index >= 0) {
      this.done.set(index);
      this.pending.delete(index);
      if (rec) {
        rec.chunks++;
        rec.bytes += bytes;
      }
    }
    if (!by) return {};
    this.inFlightBy.delete(index);
    const others = [...by];
    for (const other of others) this.holders.get(other)?.inFlight.delete(index);
    return others.length > 0 ? { duplicateOf: others } : {};
  }

  /** A request failed (timeout, error reply, dropped connection): re-queue it, and trust the holder less. */
  onFailure(holderId: string, index: ChunkIndex): void {
    const h = this.holders.get(holderId);
    if (!h || !h.inFlight.has(index)) return;
    this.release(holderId, h, index);
    const rec = this.records.get(holderId)!;
    rec.failures++;
    rec.rate = (rec.rate ?? 0) / 2;
  }

  /** The holder (connected, not banned) has a chunk not verified yet: pending or in flight anywhere. */
  fetchable(holderId: string): boolean {
    const h = this.holders.get(holderId);
    if (!h) return false;
    if (h.have === 'all') return !this.done.isComplete();
    for (let i = 0; i < this.chunkCount; i++) if (h.have.has(i) && !this.done.has(i)) return true;
    return false;
  }

  isDone(): boolean {
    return this.done.isComplete();
  }

  /** Chunks verified so far (including those held at the start). */
  doneCount(): number {
    return this.done.count();
  }

  inFlightOf(holderId: string): ChunkIndex[] {
    return [...(this.holders.get(holderId)?.inFlight.keys() ?? [])];
  }

  stats(): HolderStats[] {
    return [...this.records].map(([id, r]) => ({
      id,
      chunks: r.chunks,
      bytes: r.bytes,
      rate: (r.rate ?? 0) * 1000,
      window: r.active ? this.windowOf(id) : 0,
      inFlight: this.holders.get(id)?.inFlight.size ?? 0,
      failures: r.failures,
      active: r.active,
      banned: this.banned.has(id),
    }));
  }

  /** Window scales with throughput relative to the fastest active holder; unmeasured holders start at half. */
  private windowOf(id: string): number {
    const rate = this.records.get(id)?.rate;
    if (rate === undefined) return Math.max(1, Math.ceil(this.maxWindow / 2));
    let fastest = 0;
    for (const hid of this.holders.keys()) fastest = Math.max(fastest, this.records.get(hid)!.rate ?? 0);
    // At least 2: with 1 a slow holder's link idles for a round trip between chunks (stop-and-wait), and
    // when the downloader itself is the bottleneck every holder measures slow in proportion to its
    // window, so the windows would drift apart at random and starve one holder.
    const floor = Math.min(2, this.maxWindow);
    if (fastest <= 0) return floor;
    return Math.min(this.maxWindow, Math.max(floor, Math.round((this.maxWindow * rate) / fastest)));
  }

  private measure(rec: HolderRecord, bytes: number, now: number): void {
    rec.sampleBytes += bytes;
    const span = now - rec.sampleStart;
    if (span < MIN_SAMPLE_MS) return;
    const sample = rec.sampleBytes / span;
    rec.rate = rec.rate === undefined ? sample : (1 - RATE_ALPHA) * rec.rate + RATE_ALPHA * sample;
    rec.sampleStart = now;
    rec.sampleBytes = 0;
  }

  /**
   * Up to `room` pending chunks this holder has, rarest first, ties in the shuffled queue order.
   * `othersLeft`: a pending chunk this holder lacks but another active holder has (no endgame yet).
   */
  private rarest(h: Holder, room: number): { picks: ChunkIndex[]; othersLeft: boolean } {
    const floor = this.allCount + (h.have === 'all' ? 0 : 1);
    const buckets = new Map<number, ChunkIndex[]>();
    let othersLeft = false;
    for (const i of this.pending) {
      const rarity = this.allCount + this.partialCount[i]!;
      if (h.have !== 'all' && !h.have.has(i)) {
        if (rarity > 0) othersLeft = true;
        continue;
      }
      let b = buckets.get(rarity);
      if (!b) buckets.set(rarity, (b = []));
      if (b.length < room) b.push(i);
      if (rarity === floor && b.length >= room) break;
    }
    const picks: ChunkIndex[] = [];
    for (const r of [...buckets.keys()].sort((a, b) => a - b)) {
      for (const i of buckets.get(r)!) if (picks.length < room) picks.push(i);
    }
    return { picks, othersLeft };
  }

  /**
   * Duplicate outstanding chunks onto an idle holder: least-duplicated, then longest-waiting, first;
   * only those it would deliver in well under half the time the holders on them still need (by
   * measured rates and queue positions). A copy that would arrive about as soon only costs bytes.
   */
  private endgame(holderId: string, h: Holder, room: number): ChunkIndex[] {
    const mine = this.records.get(holderId)?.rate;
    // In chunk-times of this holder: its own queue plus the chunk itself.
    const myFinish = mine === undefined || mine <= 0 ? undefined : (h.inFlight.size + 1) / mine;
    const cands: { i: ChunkIndex; dup: number; since: number }[] = [];
    for (const [i, by] of this.inFlightBy) {
      if (by.has(holderId) || (h.have !== 'all' && !h.have.has(i))) continue;
      let since = Infinity;
      let soonest = Infinity;
      for (const other of by) {
        const o = this.holders.get(other);
        since = Math.min(since, o?.inFlight.get(i) ?? Infinity);
        soonest = Math.min(soonest, this.finishOf(other, i));
      }
      if (myFinish !== undefined && myFinish * 2 > soonest) continue;
      cands.push({ i, dup: by.size, since });
    }
    cands.sort((a, b) => a.dup - b.dup || a.since - b.since);
    return cands.slice(0, room).map((c) => c.i);
  }

  /** When holder `id` should deliver its in-flight chunk i, in the units of endgame(): its position / rate. */
  private finishOf(id: string, i: ChunkIndex): number {
    const o = this.holders.get(id);
    const rate = this.records.get(id)?.rate;
    // Not measured (nothing delivered yet) or stalled: assume it may never deliver.
    if (!o || rate === undefined || rate <= 0) return Infinity;
    let position = 0;
    for (const k of o.inFlight.keys()) {
      position++;
      if (k === i) break;
    }
    return position / rate;
  }

  /** Take chunk i off this holder; back to the queue unless another holder is still on it. */
  private release(holderId: string, h: Holder, i: ChunkIndex): void {
    h.inFlight.delete(i);
    const by = this.inFlightBy.get(i);
    by?.delete(holderId);
    if (by && by.size > 0) return;
    this.inFlightBy.delete(i);
    if (!this.done.has(i)) this.pending.add(i);
  }

  private count(have: Bitfield | 'all', delta: 1 | -1): void {
    if (have === 'all') {
      this.allCount += delta;
      return;
    }
    for (let i = 0; i < this.chunkCount; i++) if (have.has(i)) this.partialCount[i]! += delta;
  }
}

/** Deterministic [0,1) generator (mulberry32) for reproducible tie-breaks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
