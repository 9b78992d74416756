// The index server's table: records in the order they were added, each owned by the connection
// that added it, so dropping a connection drops exactly its records. Pure, synchronous.
import type { RfcRecord } from './codec.js';

const keyOf = (r: RfcRecord): string => `${r.rfc} ${r.host} ${r.port}`;

export class RfcIndex {
  private seq = 0;
  /** seq → record, in insertion order (Map iteration order). */
  private readonly bySeq = new Map<number, { owner: number; record: RfcRecord }>();
  /** owner → record key → seq. */
  private readonly byOwner = new Map<number, Map<string, number>>();

  /** Adds (or, for the same owner, RFC, host and port, retitles) a record; returns it. */
  add(owner: number, record: RfcRecord): RfcRecord {
    const rec = { ...record };
    let mine = this.byOwner.get(owner);
    if (!mine) this.byOwner.set(owner, (mine = new Map()));
    const key = keyOf(rec);
    const existing = mine.get(key);
    if (existing !== undefined) {
      this.bySeq.get(existing)!.record = rec;
      return rec;
    }
    const seq = ++this.seq;
    mine.set(key, seq);
    this.bySeq.set(seq, { owner, record: rec });
    return rec;
  }

  /** Whether `owner` holds at least one record (a registered peer). */
  owns(owner: number): boolean {
    return (this.byOwner.get(owner)?.size ?? 0) > 0;
  }

  /** Removes every record `owner` added; returns how many. */
  drop(owner: number): number {
    const mine = this.byOwner.get(owner);
    if (!mine) return 0;
    for (const seq of mine.values()) this.bySeq.delete(seq);
    this.byOwner.delete(owner);
    return mine.size;
  }

  /** Every record once per (RFC, host, port), oldest first; `rfc` filters by number alone. */
  list(rfc?: number): RfcRecord[] {
    const seen = new Set<string>();
    const out: RfcRecord[] = [];
    for (const { record } of this.bySeq.values()) {
      if (rfc !== undefined && record.rfc !== rfc) continue;
      const key = keyOf(record);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...record });
    }
    return out;
  }

  get size(): number {
    return this.bySeq.size;
  }
}
