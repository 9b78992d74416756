// Length-prefixed frames (docs/PROTOCOL.md "Frames"): a pure encoder and an incremental decoder
// that is fed arbitrary slices and checks every length against its cap before buffering a byte of body.
import { LanmeshError } from '../errors.js';

/** Largest value of the u32 length field (type byte + body). */
export const MAX_FRAME = 16 * 1024 * 1024 + 1024;
/** Largest control body (the JSON text). */
export const MAX_CONTROL = 8 * 1024 * 1024;
/**
 * Largest frame the serving ports (sender, and the stub distributor/distributee) accept from a
 * client: requests are small (a chunks.get of 4096 indices is ~30 KB), and a connection that has
 * not proven anything must not make us buffer megabytes. push.offer, which carries a manifest,
 * will need the distributee to raise it.
 */
export const MAX_REQUEST_FRAME = 256 * 1024;
/** How long a serving port gives one request frame once begun: 256 KiB in 10 s is 26 KB/s, far below any LAN. */
export const REQUEST_FRAME_TIMEOUT_MS = 10_000;
export const FRAME_CONTROL = 0x01;
export const FRAME_CHUNK = 0x02;
export const TOKEN_BYTES = 16;
/** u32 length + u8 type. */
export const FRAME_HEADER_BYTES = 5;
/** What a chunk body carries before the data: token + u32 index. */
export const CHUNK_PREFIX_BYTES = TOKEN_BYTES + 4;
/** Largest chunk payload one frame can hold. */
export const MAX_CHUNK_DATA = MAX_FRAME - 1 - CHUNK_PREFIX_BYTES;
export const MAX_CHUNK_INDEX = 0xffff_ffff;
/**
 * With transient input, bodies up to this size (a default 1 MiB chunk and its prefix) are allocated
 * whole when their header arrives; bigger ones grow with the bytes that came (see FrameDecoder).
 */
export const IN_PLACE_MAX = 1024 * 1024 + CHUNK_PREFIX_BYTES;

export type Frame =
  | { kind: 'control'; body: Buffer }
  | { kind: 'chunk'; token: Buffer; index: number; data: Buffer };

/** One control frame: header + the message as UTF-8 JSON. Does not check the message's shape. */
export function encodeControl(msg: object): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(msg);
  } catch (e) {
    throw new LanmeshError('BAD_MESSAGE', `control message cannot be serialised: ${String(e)}`, { cause: e });
  }
  if (typeof json !== 'string') throw new LanmeshError('BAD_MESSAGE', 'control message is not a JSON value');
  const bodyLen = Buffer.byteLength(json, 'utf8');
  if (bodyLen > MAX_CONTROL) {
    throw new LanmeshError('FRAME_TOO_LARGE', `control message of ${bodyLen} bytes exceeds ${MAX_CONTROL}`);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLen);
  out.writeUInt32BE(1 + bodyLen, 0);
  out[4] = FRAME_CONTROL;
  out.write(json, FRAME_HEADER_BYTES, 'utf8');
  return out;
}

/**
 * The 25 bytes that precede a chunk's data on the wire. Writing this header and then the data
 * buffer itself (corked together) sends a chunk without copying its megabyte.
 */
export function encodeChunkHeader(token: Buffer, index: number, dataLength: number): Buffer {
  if (token.length !== TOKEN_BYTES) {
    throw new LanmeshError('BAD_FRAME', `chunk token must be ${TOKEN_BYTES} bytes, got ${token.length}`);
  }
  if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) {
    throw new LanmeshError('BAD_FRAME', `chunk index ${index} is not a u32`);
  }
  if (!Number.isInteger(dataLength) || dataLength < 0 || dataLength > MAX_CHUNK_DATA) {
    throw new LanmeshError('FRAME_TOO_LARGE', `chunk ${index} data of ${dataLength} bytes exceeds ${MAX_CHUNK_DATA}`);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + CHUNK_PREFIX_BYTES);
  out.writeUInt32BE(1 + CHUNK_PREFIX_BYTES + dataLength, 0);
  out[4] = FRAME_CHUNK;
  token.copy(out, FRAME_HEADER_BYTES);
  out.writeUInt32BE(index, FRAME_HEADER_BYTES + TOKEN_BYTES);
  return out;
}

/** One whole chunk frame in a single (copied) buffer; connections use encodeChunkHeader instead. */
export function encodeChunk(token: Buffer, index: number, data: Buffer): Buffer {
  return Buffer.concat([encodeChunkHeader(token, index, data.length), data]);
}

/**
 * True when a connection's first byte starts a P2P-CI request rather than a frame: an ASCII
 * letter, CR or LF. A frame's first byte is the top byte of its length, 0x00 or 0x01 (≤ MAX_FRAME).
 */
export function looksLikeP2pci(firstBytes: Buffer): boolean {
  const b = firstBytes[0];
  if (b === undefined) return false;
  return b === 0x0d || b === 0x0a || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * Incremental decoder. push() returns every frame completed by the slice (pushEach() hands them
 * over one by one) and throws LanmeshError (FRAME_TOO_LARGE or BAD_FRAME) on a protocol error;
 * after that the decoder stays failed.
 * A frame that sits inside one slice is returned as a view of it; otherwise the slices of its body
 * are kept as they arrive and joined once it is complete. Memory follows the bytes that actually
 * arrived, never the declared length: a peer that announces a 16 MiB frame and sends 10 bytes
 * costs 10 bytes (and never more than MAX_FRAME however the bytes are sliced).
 * With `useTransientInput()` (the caller reuses its read buffer once push() returns) every frame
 * owns its bytes: a body up to IN_PLACE_MAX is copied into its final buffer as it arrives (the
 * declared length is allocated up front, so a lying peer costs at most that), a bigger one is kept
 * as copied pieces and joined.
 */
export class FrameDecoder {
  /**
   * Largest length field accepted now (≤ MAX_FRAME). A port lowers it until the far end has said
   * who it is, so an anonymous connection cannot make us hold megabytes for one frame.
   */
  private limit: number;
  private readonly head = Buffer.alloc(FRAME_HEADER_BYTES);
  private headFill = 0;
  /** Slices of the body of the frame in progress (type byte excluded), once its header has been checked. */
  private body: Buffer[] | undefined;
  private bodyLength = 0;
  private bodyFill = 0;
  private type = 0;
  private failed: LanmeshError | undefined;
  /** Stream offset of the frame in progress, for error context. */
  private consumed = 0;
  /** Where bodies split over slices are assembled (a pool may hand out reused buffers). */
  private allocBody: (length: number) => Buffer = (n) => Buffer.allocUnsafe(n);
  /** The caller reuses each slice once push() returns: nothing may keep a view of it. */
  private transient = false;
  /** Transient input: the body in progress, assembled in place (bodies ≤ IN_PLACE_MAX). */
  private whole: Buffer | undefined;

  /** Slices passed from now on are reused by the caller after push(): frames get copies, never views. */
  useTransientInput(): void {
    this.transient = true;
  }

  /** Bodies that span slices go into buffers from `alloc` from now on (e.g. a receive pool). */
  useBodyAllocator(alloc: (length: number) => Buffer): void {
    this.allocBody = alloc;
  }

  constructor(maxFrame: number = MAX_FRAME) {
    this.limit = FrameDecoder.checkedLimit(maxFrame);
  }

  get maxFrame(): number {
    return this.limit;
  }

  /** Applies from the next frame header on; the frame in progress keeps the length it was checked against. */
  set maxFrame(n: number) {
    this.limit = FrameDecoder.checkedLimit(n);
  }

  private static checkedLimit(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > MAX_FRAME) throw new RangeError(`frame limit must be an integer in 1..${MAX_FRAME}, got ${n}`);
    return n;
  }

  /** Bytes held for the frame in progress. */
  get bufferedBytes(): number {
    return this.headFill + this.bodyFill;
  }

  push(slice: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.pushEach(slice, (f) => frames.push(f));
    return frames;
  }

  /**
   * Like push(), but hands each frame to onFrame as soon as it is complete, so that onFrame can
   * change maxFrame before the next header in the same slice is checked.
   */
  pushEach(slice: Buffer, onFrame: (frame: Frame) => void): void {
    if (this.failed) throw this.failed;
    try {
      let at = 0;
      while (at < slice.length) at = this.step(slice, at, onFrame);
    } catch (e) {
      this.failed =
        e instanceof LanmeshError ? e : new LanmeshError('BAD_FRAME', `frame decoder failed: ${String(e)}`, { cause: e });
      this.body = undefined;
      this.whole = undefined;
      this.headFill = 0;
      this.bodyFill = 0;
      throw this.failed;
    }
  }

  /** Consume bytes of slice from at; returns the new position. */
  private step(slice: Buffer, at: number, frames: (f: Frame) => void): number {
    if (this.whole) {
      const n = slice.copy(this.whole, this.bodyFill, at, Math.min(slice.length, at + this.bodyLength - this.bodyFill));
      this.bodyFill += n;
      if (this.bodyFill === this.bodyLength) {
        const body = this.whole;
        this.whole = undefined;
        this.finish(body, frames);
      }
      return at + n;
    }
    if (this.body) {
      const n = Math.min(this.bodyLength - this.bodyFill, slice.length - at);
      const piece = slice.subarray(at, at + n);
      this.body.push(this.transient ? Buffer.from(piece) : piece);
      this.bodyFill += n;
      if (this.bodyFill === this.bodyLength) this.finish(this.join(this.body, this.bodyLength), frames);
      return at + n;
    }
    if (this.headFill === 0 && slice.length - at >= FRAME_HEADER_BYTES) {
      const length = this.checkHeader(slice.readUInt32BE(at), slice[at + 4]);
      const end = at + 4 + length;
      if (end <= slice.length) {
        const view = slice.subarray(at + FRAME_HEADER_BYTES, end);
        this.finish(this.transient ? this.copyOf(view) : view, frames);
        return end;
      }
      this.startBody(length, frames);
      return at + FRAME_HEADER_BYTES;
    }
    const n = Math.min(FRAME_HEADER_BYTES - this.headFill, slice.length - at);
    slice.copy(this.head, this.headFill, at, at + n);
    this.headFill += n;
    if (this.headFill >= 4) {
      const length = this.head.readUInt32BE(0);
      if (this.headFill < FRAME_HEADER_BYTES) this.checkLength(length);
      else this.startBody(this.checkHeader(length, this.head[4]), frames);
    }
    return at + n;
  }

  /** The slices of a complete body in one buffer from allocBody (a receive pool may reuse it). */
  private join(slices: Buffer[], length: number): Buffer {
    const out = this.allocBody(length);
    let at = 0;
    for (const s of slices) at += s.copy(out, at);
    return out;
  }

  /** A buffer for a body of the frame in progress: chunk bodies from allocBody (a receive pool). */
  private newBody(length: number): Buffer {
    return this.type === FRAME_CHUNK ? this.allocBody(length) : Buffer.allocUnsafe(length);
  }

  /** A body complete in one transient slice, copied. */
  private copyOf(view: Buffer): Buffer {
    const out = this.newBody(view.length);
    view.copy(out);
    return out;
  }

  private startBody(length: number, frames: (f: Frame) => void): void {
    this.headFill = FRAME_HEADER_BYTES;
    this.bodyLength = length - 1;
    this.bodyFill = 0;
    if (length === 1) return this.finish(Buffer.alloc(0), frames);
    if (this.transient && this.bodyLength <= IN_PLACE_MAX) {
      this.whole = this.newBody(this.bodyLength);
    } else {
      this.body = [];
    }
  }

  private checkLength(length: number): void {
    if (length === 0) this.fail('BAD_FRAME', 'frame length 0');
    if (length > this.limit) this.fail('FRAME_TOO_LARGE', `frame length ${length} exceeds ${this.limit}`);
  }

  private checkHeader(length: number, type: number): number {
    this.checkLength(length);
    if (type === FRAME_CONTROL) {
      if (length - 1 > MAX_CONTROL) this.fail('FRAME_TOO_LARGE', `control frame length ${length} exceeds ${MAX_CONTROL + 1}`);
    } else if (type === FRAME_CHUNK) {
      if (length < 1 + CHUNK_PREFIX_BYTES) this.fail('BAD_FRAME', `chunk frame length ${length} is shorter than ${1 + CHUNK_PREFIX_BYTES}`);
    } else {
      this.fail('BAD_FRAME', `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
    }
    this.type = type;
    return length;
  }

  private finish(body: Buffer, frames: (f: Frame) => void): void {
    const frame: Frame =
      this.type === FRAME_CONTROL
        ? { kind: 'control', body }
        : {
            kind: 'chunk',
            token: body.subarray(0, TOKEN_BYTES),
            index: body.readUInt32BE(TOKEN_BYTES),
            data: body.subarray(CHUNK_PREFIX_BYTES),
          };
    this.consumed += FRAME_HEADER_BYTES + body.length;
    this.body = undefined;
    this.bodyLength = 0;
    this.headFill = 0;
    this.bodyFill = 0;
    frames(frame);
  }

  private fail(code: 'BAD_FRAME' | 'FRAME_TOO_LARGE', what: string): never {
    throw new LanmeshError(code, `${what} (frame at stream offset ${this.consumed})`);
  }
}
