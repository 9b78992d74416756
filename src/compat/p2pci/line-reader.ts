// Pure, incremental line splitter for P2P-CI text: fed arbitrary slices, yields lines without their
// CRLF or bare LF, and refuses to buffer a line longer than its cap.

export const LINE_TOO_LONG = Symbol('line too long');

export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  private offset = 0;
  private lastStart = 0;

  constructor(readonly maxLineBytes: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const rest = this.buf.subarray(this.offset);
    this.buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    this.offset = 0;
    this.lastStart = 0;
  }

  /**
   * The next complete line, undefined when none is complete yet, or LINE_TOO_LONG when the next
   * line (finished or not) is longer than the cap.
   */
  readLine(): string | undefined | typeof LINE_TOO_LONG {
    const lf = this.buf.indexOf(0x0a, this.offset);
    if (lf === -1) {
      return this.buf.length - this.offset > this.maxLineBytes ? LINE_TOO_LONG : undefined;
    }
    let end = lf;
    if (end > this.offset && this.buf[end - 1] === 0x0d) end--;
    if (end - this.offset > this.maxLineBytes) return LINE_TOO_LONG;
    const line = this.buf.toString('utf8', this.offset, end);
    this.lastStart = this.offset;
    this.offset = lf + 1;
    return line;
  }

  /** Puts the line last returned by readLine back (a reader that found the body had begun). */
  unreadLast(): void {
    this.offset = this.lastStart;
  }

  /** The last line readLine returned, as received (with its terminator). */
  lastRaw(): Buffer {
    return this.buf.subarray(this.lastStart, this.offset);
  }

  /** Bytes of the last line's terminator that readLine consumed ("\r\n" or "\n"). */
  lastTerminator(): Buffer {
    const lf = this.offset - 1;
    const cr = lf > this.lastStart && this.buf[lf - 1] === 0x0d;
    return Buffer.from(cr ? '\r\n' : '\n');
  }

  /** Bytes received but not consumed as lines (an unfinished line). */
  get pendingBytes(): number {
    return this.buf.length - this.offset;
  }

  /** Up to `max` bytes of the unfinished line, as text. */
  peekPending(max: number): string {
    return this.buf.toString('latin1', this.offset, Math.min(this.buf.length, this.offset + max));
  }

  /** Takes every unconsumed byte out of the reader (the start of a body). */
  takeRest(): Buffer {
    const rest = this.buf.subarray(this.offset);
    this.buf = Buffer.alloc(0);
    this.offset = 0;
    this.lastStart = 0;
    return rest;
  }
}
