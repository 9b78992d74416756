// The tokens of this peer's outstanding chunk requests: who may answer each one (peer and address)
// and where its chunks go. The receiver port drops any chunk whose token is not here.
import { randomBytes } from 'node:crypto';
import type { ChunkIndex, PeerId } from '../types.js';

export interface Ticket {
  /** The holder asked; its data connection must say this peer id in data.hello. */
  peer: PeerId;
  /** The holder's address (the one we sent the request to); data must come from it. */
  address: string;
  onChunk(index: ChunkIndex, data: Buffer): void;
  onMissing(index: ChunkIndex): void;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) and plain IPv4 name the same host. */
export function plainAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export class TokenTable {
  private readonly tickets = new Map<string, Ticket>();

  /** A fresh 128-bit token (32 lowercase hex digits) for this ticket. */
  issue(ticket: Ticket): string {
    let token: string;
    do token = randomBytes(16).toString('hex');
    while (this.tickets.has(token));
    this.tickets.set(token, ticket);
    return token;
  }

  /** The ticket for data that arrived from `peer` at `address`, or undefined (unknown token, or the wrong sender). */
  match(token: string, peer: PeerId | undefined, address: string | undefined): Ticket | undefined {
    const t = this.tickets.get(token);
    if (!t || t.peer !== peer || t.address !== plainAddress(address)) return undefined;
    return t;
  }

  /** True while some outstanding request asked `peer` at `address` (so it may open a data connection). */
  expects(peer: PeerId, address: string | undefined): boolean {
    const from = plainAddress(address);
    for (const t of this.tickets.values()) if (t.peer === peer && t.address === from) return true;
    return false;
  }

  retire(token: string): void {
    this.tickets.delete(token);
  }

  get size(): number {
    return this.tickets.size;
  }
}
