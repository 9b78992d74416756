// Pure, incremental parser for index-server answers, tolerant of the ways real servers differ:
// an empty line after the status line or none at the end, 200 with no lines, stray lines.
import { DEFAULT_LIMITS, parseRecordLine, parseStatusLine, type RfcRecord } from './codec.js';
import { LINE_TOO_LONG, LineReader } from './line-reader.js';

export interface P2pciResponse {
  version: string;
  code: number;
  phrase: string;
  records: RfcRecord[];
  /** The response's lines as received (status line first), for logs. */
  lines: string[];
  /** Lines in the body that were not record lines. */
  skipped: number;
}

export const DEFAULT_MAX_RECORDS = 100_000;

/**
 * A non-200 answer is complete at its status line. A 200 answer is complete at the first empty line
 * after a record line, or at a second empty line; otherwise only the caller knows it ended (the
 * data stopped, or the connection closed) and calls settle().
 */
export class ResponseParser {
  private readonly reader: LineReader;
  private current: { resp: P2pciResponse; blankSeen: boolean } | undefined;
  /** Lines that arrived outside any response (ignored). */
  stray = 0;
  /** Set when the input broke a limit; the parser then ignores everything. */
  error: string | undefined;

  constructor(
    maxLineBytes: number = DEFAULT_LIMITS.maxLineBytes,
    private readonly maxRecords: number = DEFAULT_MAX_RECORDS,
  ) {
    this.reader = new LineReader(maxLineBytes);
  }

  /** The response being received (status line seen, end not yet), if any. */
  get partial(): P2pciResponse | undefined {
    return this.current?.resp;
  }

  /** Every response this slice completed, in order. */
  push(chunk: Buffer): P2pciResponse[] {
    const out: P2pciResponse[] = [];
    if (this.error) return out;
    this.reader.push(chunk);
    for (;;) {
      const line = this.reader.readLine();
      if (line === undefined) break;
      if (line === LINE_TOO_LONG) {
        this.error = `response line longer than ${this.reader.maxLineBytes} bytes`;
        this.current = undefined;
        this.reader.takeRest();
        break;
      }
      this.onLine(line, out);
    }
    return out;
  }

  /** True when bytes of an unfinished answer are held (a status line seen, or a partial line). */
  get midResponse(): boolean {
    return !this.error && (this.current !== undefined || this.reader.pendingBytes > 0);
  }

  /**
   * The data stopped (quiet period, end of stream): an unterminated last line counts as a line, and
   * the pending response ends there. Returns what that completed (usually one response or none).
   */
  settle(): P2pciResponse[] {
    const out: P2pciResponse[] = [];
    const rest = this.reader.takeRest();
    if (rest.length > 0 && !this.error) this.onLine(rest.toString('utf8').replace(/\r$/, ''), out);
    if (this.current) out.push(this.current.resp);
    this.current = undefined;
    return out;
  }

  private endCurrent(): P2pciResponse {
    const resp = this.current!.resp;
    this.current = undefined;
    return resp;
  }

  private onLine(line: string, out: P2pciResponse[]): void {
    const blank = line.trim() === '';
    const status = blank ? undefined : parseStatusLine(line);
    const cur = this.current;
    if (cur && status) out.push(this.endCurrent());
    if (!this.current) {
      if (blank) return;
      if (!status) {
        this.stray++;
        return;
      }
      const resp: P2pciResponse = { ...status, records: [], lines: [line], skipped: 0 };
      if (status.code === 200) this.current = { resp, blankSeen: false };
      else out.push(resp);
      return;
    }
    const c = this.current;
    if (blank) {
      if (c.resp.records.length > 0 || c.blankSeen) out.push(this.endCurrent());
      else c.blankSeen = true;
      return;
    }
    if (c.resp.lines.length > this.maxRecords) {
      this.error = `more than ${this.maxRecords} lines in one response`;
      this.current = undefined;
      return;
    }
    c.resp.lines.push(line);
    const rec = parseRecordLine(line);
    if (rec) c.resp.records.push(rec);
    else c.resp.skipped++;
  }
}
