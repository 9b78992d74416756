// Pure, incremental P2P-CI/1.0 request parser, fed arbitrary slices. A request is complete at its
// empty line or as soon as its required headers have arrived; errors map to 400/505 results.
import {
  DEFAULT_LIMITS,
  P2PCI_VERSION,
  RFC_NUMBER_RE,
  isHostToken,
  parseHeaderLine,
  parsePort,
  type CodecLimits,
  type P2pciMethod,
  type ParseResult,
} from './codec.js';
import { LINE_TOO_LONG, LineReader } from './line-reader.js';

const METHODS: ReadonlySet<string> = new Set(['ADD', 'LOOKUP', 'LIST', 'GET']);
const REQUIRED: Readonly<Record<P2pciMethod, readonly string[]>> = {
  ADD: ['host', 'port', 'title'],
  LOOKUP: ['host', 'port', 'title'],
  LIST: ['host', 'port'],
  GET: ['host', 'os'],
};
const VERSION_RE = /^[A-Za-z][A-Za-z0-9-]*\/\d+(\.\d+)*$/;

interface Pending {
  method: P2pciMethod;
  rfc: number;
  headers: Map<string, string>;
  headerLines: number;
  lines: string[];
}

/**
 * States: `idle` waits for a request line (empty lines skipped); `headers` collects a request's
 * headers; `skip` swallows header lines after a request ended early or was refused, so a client's
 * late headers or empty line never count as a new request.
 */
type State = 'idle' | 'headers' | 'skip';

export class RequestParser {
  private readonly reader: LineReader;
  private readonly limits: CodecLimits;
  private state: State = 'idle';
  private pending: Pending | undefined;
  private dead = false;

  constructor(limits: Partial<CodecLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.reader = new LineReader(this.limits.maxLineBytes);
  }

  /** True while part of a request has arrived (an unfinished line or headers still to come). */
  get midRequest(): boolean {
    return !this.dead && (this.state === 'headers' || this.reader.pendingBytes > 0);
  }

  /** Every request completed by this slice, in order. After a closeAfter result, input is ignored. */
  push(chunk: Buffer): ParseResult[] {
    const out: ParseResult[] = [];
    if (this.dead) return out;
    this.reader.push(chunk);
    for (;;) {
      const line = this.reader.readLine();
      if (line === undefined) break;
      if (line === LINE_TOO_LONG) {
        out.push(this.fail(400, `line longer than ${this.limits.maxLineBytes} bytes`, true));
        this.dead = true;
        this.reader.takeRest();
        break;
      }
      this.onLine(line, out);
    }
    return out;
  }

  private onLine(line: string, out: ParseResult[]): void {
    const blank = line.trim() === '';
    if (this.state === 'idle') {
      if (!blank) this.start(line, out);
      return;
    }
    if (this.state === 'skip') {
      if (blank) this.state = 'idle';
      else if (!parseHeaderLine(line)) this.start(line, out);
      return;
    }
    const p = this.pending!;
    if (blank) {
      out.push(this.finish());
      return;
    }
    const h = parseHeaderLine(line);
    if (!h) {
      if (looksLikeRequestLine(line)) {
        out.push(this.finish());
        this.start(line, out);
      } else {
        p.lines.push(line);
        out.push(this.fail(400, `malformed header line`, false));
      }
      return;
    }
    p.lines.push(line);
    if (++p.headerLines > this.limits.maxHeaders) {
      out.push(this.fail(400, `more than ${this.limits.maxHeaders} header lines`, false));
      return;
    }
    p.headers.set(h.name, h.value);
    if (REQUIRED[p.method].every((k) => p.headers.has(k))) {
      out.push(this.finish());
      this.state = 'skip';
    }
  }

  /** A request line: refused at once (then its headers are skipped), or the start of a request. */
  private start(line: string, out: ParseResult[]): void {
    const tokens = line.trim().split(/[ \t]+/);
    const method = tokens[0]!.toUpperCase();
    const version = tokens[tokens.length - 1]!;
    const lines = [line];
    const refuse = (error: 400 | 505, reason: string) => {
      this.pending = undefined;
      this.state = 'skip';
      out.push({ error, reason, closeAfter: false, lines });
    };
    if (!METHODS.has(method)) return refuse(400, `unknown method '${tokens[0]!.slice(0, 40)}'`);
    if (tokens.length < 3 || !VERSION_RE.test(version)) return refuse(400, 'request line has no version');
    if (version.toUpperCase() !== P2PCI_VERSION) return refuse(505, `version '${version.slice(0, 40)}'`);
    let rfc = 0;
    if (method === 'LIST') {
      if (tokens.length !== 3 || tokens[1]!.toUpperCase() !== 'ALL') return refuse(400, 'expected LIST ALL');
    } else {
      const n = rfcOf(tokens.slice(1, -1));
      if (n === undefined) return refuse(400, `expected ${method} RFC <number>`);
      rfc = n;
    }
    this.pending = { method: method as P2pciMethod, rfc, headers: new Map(), headerLines: 0, lines };
    this.state = 'headers';
  }

  /** Completes the pending request (its empty line arrived, or its required headers did). */
  private finish(): ParseResult {
    const p = this.pending!;
    this.pending = undefined;
    this.state = 'idle';
    const host = p.headers.get('host') ?? '';
    const portText = p.headers.get('port');
    const port = parsePort(portText) ?? 0;
    const title = p.headers.get('title') ?? '';
    const lines = p.lines;
    const bad = (reason: string): ParseResult => ({ error: 400, reason, closeAfter: false, lines });
    switch (p.method) {
      case 'ADD':
        if (!isHostToken(host)) return bad('ADD needs a Host header: one word, no control characters');
        if (parsePort(portText) === undefined) return bad('ADD needs a Port header (1-65535)');
        if (!title) return bad('ADD needs a Title header');
        return { method: 'ADD', rfc: p.rfc, host, port, title, lines };
      case 'LOOKUP':
        return { method: 'LOOKUP', rfc: p.rfc, host, port, title, lines };
      case 'LIST':
        return { method: 'LIST', host, port, lines };
      case 'GET':
        return { method: 'GET', rfc: p.rfc, host, os: p.headers.get('os') ?? '', lines };
    }
  }

  private fail(error: 400, reason: string, closeAfter: boolean): ParseResult {
    const lines = this.pending?.lines ?? [];
    this.pending = undefined;
    this.state = 'skip';
    return { error, reason, closeAfter, lines };
  }
}

/** `RFC <n>` (also `RFC<n>` and a bare number). */
function rfcOf(mid: string[]): number | undefined {
  const text = mid.join(' ');
  const m = /^(?:RFC[ \t]*)?(\d+)$/i.exec(text);
  return m && RFC_NUMBER_RE.test(m[1]!) ? Number(m[1]) : undefined;
}

function looksLikeRequestLine(line: string): boolean {
  const tokens = line.trim().split(/[ \t]+/);
  return METHODS.has(tokens[0]!.toUpperCase()) || /^P2P-CI\//i.test(tokens[tokens.length - 1]!);
}
