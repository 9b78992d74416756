// Pure bitfield of held chunks: bit i is the most significant bit first in byte i>>3, the
// layout of the wire `have` field (docs/PROTOCOL.md). Spare bits in the last byte stay 0.
import { LanmeshError } from '../errors.js';
import type { ChunkIndex } from '../types.js';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class Bitfield {
  readonly length: number;
  private readonly bytes: Uint8Array;
  private held = 0;

  /** `bytes` (copied) must be exactly ceil(length/8) long with its spare bits clear. */
  constructor(length: number, bytes?: Uint8Array) {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new LanmeshError('BAD_MESSAGE', `bitfield length ${length} is not a count`);
    }
    this.length = length;
    const size = Math.ceil(length / 8);
    if (bytes === undefined) {
      this.bytes = new Uint8Array(size);
      return;
    }
    if (bytes.length !== size) {
      throw new LanmeshError('BAD_MESSAGE', `bitfield of ${length} bits needs ${size} bytes, got ${bytes.length}`);
    }
    const spare = size * 8 - length;
    if (spare > 0 && (bytes[size - 1]! & ((1 << spare) - 1)) !== 0) {
      throw new LanmeshError('BAD_MESSAGE', `bitfield of ${length} bits has bits set past its end`);
    }
    this.bytes = Uint8Array.from(bytes);
    for (const b of this.bytes) this.held += popcount(b);
  }

  /** Every bit set: what a full holder has. */
  static full(length: number): Bitfield {
    const f = new Bitfield(length);
    for (let i = 0; i < length; i++) f.set(i);
    return f;
  }

  /** Decode the wire form; a wrong size, stray bits or non-base64 text is BAD_MESSAGE. */
  static fromBase64(b64: string, length: number): Bitfield {
    if (typeof b64 !== 'string' || !BASE64_RE.test(b64)) {
      throw new LanmeshError('BAD_MESSAGE', 'bitfield is not base64');
    }
    return new Bitfield(length, Buffer.from(b64, 'base64'));
  }

  /** False for any index outside 0..length-1 (nobody holds a chunk that does not exist). */
  has(i: ChunkIndex): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) return false;
    return (this.bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0;
  }

  set(i: ChunkIndex): void {
    this.check(i);
    if (this.has(i)) return;
    this.bytes[i >> 3]! |= 0x80 >> (i & 7);
    this.held++;
  }

  clear(i: ChunkIndex): void {
    this.check(i);
    if (!this.has(i)) return;
    this.bytes[i >> 3]! &= ~(0x80 >> (i & 7));
    this.held--;
  }

  count(): number {
    return this.held;
  }

  isComplete(): boolean {
    return this.held === this.length;
  }

  /** Indices of the bits not set, ascending. */
  missing(): ChunkIndex[] {
    const out: ChunkIndex[] = [];
    for (let i = 0; i < this.length; i++) if (!this.has(i)) out.push(i);
    return out;
  }

  clone(): Bitfield {
    return new Bitfield(this.length, this.bytes);
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  toBase64(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('base64');
  }

  private check(i: ChunkIndex): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`bit ${i} outside a bitfield of ${this.length}`);
    }
  }
}

function popcount(b: number): number {
  let n = 0;
  for (let v = b; v !== 0; v &= v - 1) n++;
  return n;
}
