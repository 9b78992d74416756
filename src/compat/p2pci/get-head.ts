// Pure, incremental parser for the head of an upload server's GET answer (status line, headers)
// that finds where the body starts, whatever liberties the server takes with the framing:
// no empty line, bare LF, header names with spaces, empty lines inside the header block.
import { DEFAULT_LIMITS, parseHeaderLine, parseStatusLine } from './codec.js';
import { LINE_TOO_LONG, LineReader } from './line-reader.js';
import { LanmeshError } from '../../errors.js';
import { printable } from '../../text.js';

/** The headers the spec's answer carries; once all have arrived, the next line is body if not empty. */
const SPEC_HEADERS = ['date', 'os', 'last-modified', 'content-length', 'content-type'];

/** The start of a line that may still turn out to be a header (see codec.ts parseHeaderLine). */
const HEADER_START_RE = /^[A-Za-z](?:[A-Za-z0-9 _-]{0,40}$|[A-Za-z0-9 _-]{0,40}?[ \t]*:)/;

export interface GetHeadLimits {
  maxLineBytes?: number;
  maxHeaders?: number;
  maxBytes: number;
}

export class GetHeadParser {
  private readonly reader: LineReader;
  private phase: 'status' | 'headers' | 'after-blank' | 'body' = 'status';
  readonly headers = new Map<string, string>();
  length: number | undefined;
  /** The empty line taken as the end of the headers: body data if the server sent none. */
  blank: Buffer | undefined;
  /** Header-like lines after an empty line while no Content-Length is known, as received. */
  private tentative: Buffer[] = [];
  private tentativeHeaders: { name: string; value: string; line: string }[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly where: string, private readonly limits: GetHeadLimits) {
    this.reader = new LineReader(limits.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes);
  }

  /** True until the body has started. */
  get inHead(): boolean {
    return this.phase !== 'body';
  }

  get sawStatus(): boolean {
    return this.phase !== 'status';
  }

  /** Whether data stopping now leaves a body: a Content-Length is known, or an empty line came. */
  get canEnd(): boolean {
    return this.length !== undefined || this.phase === 'after-blank' || this.phase === 'body';
  }

  /** Feeds bytes of the head; returns the first body bytes once the body has started. */
  push(chunk: Buffer): Buffer | undefined {
    this.reader.push(chunk);
    const body = this.read();
    if (body !== undefined) this.phase = 'body';
    return body;
  }

  /** The data stopped inside the head: what is left is the body (a short, unterminated file). */
  end(): Buffer {
    const body = Buffer.concat([...this.tentative, this.reader.takeRest()]);
    this.noteTentative();
    this.phase = 'body';
    return body;
  }

  private fail(message: string): never {
    throw new LanmeshError('BAD_MESSAGE', `${this.where}: ${message}`);
  }

  private read(): Buffer | undefined {
    for (;;) {
      const line = this.reader.readLine();
      if (line === undefined) {
        // An unfinished line that cannot become a header ends the wait for one: the body began.
        if (this.phase === 'after-blank' && this.reader.pendingBytes > 0 && !HEADER_START_RE.test(this.reader.peekPending(64))) return this.end();
        return undefined;
      }
      if (line === LINE_TOO_LONG) {
        if (this.phase !== 'status' && this.length !== undefined) return this.reader.takeRest();
        if (this.phase === 'after-blank') return this.end();
        this.fail('response line too long');
      }
      if (this.phase === 'status') {
        if (line.trim() !== '') this.status(line);
        continue;
      }
      const blank = line.trim() === '';
      const h = blank ? undefined : parseHeaderLine(line);
      if (this.phase === 'after-blank') {
        if (!h && !blank) {
          // The body began at the empty line; the lines since are its first lines.
          this.reader.unreadLast();
          return this.end();
        }
        this.tentative.push(Buffer.from(this.reader.lastRaw()));
        if (h) this.tentativeHeaders.push({ ...h, line });
        if (h?.name !== 'content-length') {
          if (this.tentative.length > (this.limits.maxHeaders ?? DEFAULT_LIMITS.maxHeaders)) return this.end();
          continue;
        }
        // A Content-Length after the empty line: it was inside the header block, not its end.
        const late = this.tentativeHeaders;
        this.tentative = [];
        this.tentativeHeaders = [];
        this.blank = undefined;
        this.phase = 'headers';
        for (const t of late) this.header(t);
        continue;
      }
      if (blank) {
        if (this.length !== undefined) {
          this.blank = Buffer.from(this.reader.lastTerminator());
          return this.reader.takeRest();
        }
        this.phase = 'after-blank';
        continue;
      }
      if (!h || SPEC_HEADERS.every((k) => this.headers.has(k))) {
        this.reader.unreadLast();
        return this.reader.takeRest();
      }
      this.header(h);
    }
  }

  private status(line: string): void {
    const st = parseStatusLine(line);
    if (!st) this.fail(`not a P2P-CI answer: '${line.slice(0, 60)}'`);
    if (st.code === 404) throw new LanmeshError('NOT_FOUND', `${this.where}: 404 ${st.phrase}`.trim());
    if (st.code !== 200) throw new LanmeshError('REMOTE_ERROR', `${this.where}: ${st.code} ${st.phrase}`.trim());
    this.phase = 'headers';
  }

  private header(h: { name: string; value: string }): void {
    const max = this.limits.maxHeaders ?? DEFAULT_LIMITS.maxHeaders;
    if (this.headers.size >= max) this.fail(`more than ${max} headers`);
    this.headers.set(h.name, h.value);
    if (h.name !== 'content-length') return;
    if (!/^\d{1,15}$/.test(h.value)) this.fail(`bad Content-Length '${h.value.slice(0, 30)}'`);
    this.length = Number(h.value);
    if (this.length > this.limits.maxBytes) this.fail(`Content-Length ${this.length} exceeds ${this.limits.maxBytes}`);
  }

  /** No Content-Length, and the body starts with lines that look like headers: say so. */
  private noteTentative(): void {
    const n = this.tentativeHeaders.length;
    if (n > 0) {
      const shown = printable(this.tentativeHeaders[0]!.line.trim().slice(0, 40));
      this.warnings.push(`${this.where}: no Content-Length, and the file starts with ${n} header-like line(s) ('${shown}'): kept as received`);
    }
    this.tentative = [];
    this.tentativeHeaders = [];
  }
}
