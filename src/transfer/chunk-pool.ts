// Reused receive buffers for chunk frames: the receiver's decoders take a body buffer from here,
// and a download gives it back once the chunk is written. A fresh megabyte per chunk cost page
// faults on first touch and a tenth of the downloader's time in GC. A buffer never given back is
// simply collected; the pool keeps at most MAX_FREE idle buffers.

/** Bodies smaller than this (control frames, tiny chunks) are not worth pooling. */
const MIN_POOLED = 64 * 1024;
const MAX_FREE = 8;

export class ChunkPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly mine = new WeakSet<ArrayBuffer>();
  private readonly idle = new Set<ArrayBuffer>();
  private reused = 0;

  /** Buffers handed out again instead of allocated (for tests). */
  get reuses(): number {
    return this.reused;
  }

  /** A buffer of exactly `length` bytes (contents undefined). */
  readonly take = (length: number): Buffer => {
    if (length < MIN_POOLED) return Buffer.allocUnsafe(length);
    const i = this.free.findIndex((ab) => ab.byteLength >= length);
    if (i >= 0) {
      const ab = this.free.splice(i, 1)[0]!;
      this.idle.delete(ab);
      this.reused++;
      return Buffer.from(ab, 0, length);
    }
    const ab = new ArrayBuffer(length);
    this.mine.add(ab);
    return Buffer.from(ab, 0, length);
  };

  /**
   * Gives back the buffer a view (e.g. a chunk's data inside its frame body) belongs to. The caller
   * must hold no other reference to it; views of buffers not from this pool are ignored.
   */
  give(view: Uint8Array): void {
    const ab = view.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.mine.has(ab) || this.idle.has(ab) || this.free.length >= MAX_FREE) return;
    this.idle.add(ab);
    this.free.push(ab);
  }
}
