// Which connections the index server keeps when it is full (issue 15.3(d)): at most `max` at once
// and `perAddress` from one address. A registered peer (one with records) is a real session and is
// never pushed out, however long it stays silent; when a new connection would pass a limit, the
// unregistered connection silent the longest (from that address, for the share) makes room, and
// only when there is none is the new one refused.

export interface Admitted {
  readonly address: string;
  /** Last time bytes arrived (ms). */
  readonly lastDataAt: number;
  readonly registered: boolean;
  /** close() was called: it no longer counts as room to take. */
  readonly closing: boolean;
  close(reason: string): void;
}

export interface AdmissionLimits {
  max: number;
  perAddress: number;
}

export type Admission = { ok: true } | { ok: false; reason: string };

export class AdmissionTable<C extends Admitted> {
  private readonly byAddress = new Map<string, Set<C>>();
  private count = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Makes room for a connection from `address` (closing one idle unregistered connection) or says why not. */
  admit(address: string): Admission {
    const mine = this.byAddress.get(address);
    if (live(mine) >= this.limits.perAddress) {
      const victim = quietestUnregistered(mine ?? []);
      if (!victim) return { ok: false, reason: `${this.limits.perAddress} connections from ${address} already, all registered` };
      victim.close(`closed to make room: ${this.limits.perAddress} connections from this address, no records on this one`);
    } else if (this.live() >= this.limits.max) {
      const victim = quietestUnregistered(this.all());
      if (!victim) return { ok: false, reason: `${this.limits.max} connections already, all registered` };
      victim.close(`closed to make room: ${this.limits.max} connections, no records on this one`);
    }
    return { ok: true };
  }

  add(c: C): void {
    let set = this.byAddress.get(c.address);
    if (!set) this.byAddress.set(c.address, (set = new Set()));
    set.add(c);
    this.count++;
  }

  delete(c: C): void {
    const set = this.byAddress.get(c.address);
    if (!set?.delete(c)) return;
    this.count--;
    if (set.size === 0) this.byAddress.delete(c.address);
  }

  get size(): number {
    return this.count;
  }

  *all(): Generator<C> {
    for (const set of this.byAddress.values()) yield* set;
  }

  private live(): number {
    let n = 0;
    for (const c of this.all()) if (!c.closing) n++;
    return n;
  }
}

function live(set: Iterable<Admitted> | undefined): number {
  let n = 0;
  for (const c of set ?? []) if (!c.closing) n++;
  return n;
}

function quietestUnregistered<C extends Admitted>(conns: Iterable<C>): C | undefined {
  let best: C | undefined;
  for (const c of conns) {
    if (c.closing || c.registered) continue;
    if (!best || c.lastDataAt < best.lastDataAt) best = c;
  }
  return best;
}
