// P2P-CI/1.0 wire text (docs/PROTOCOL.md "P2P-CI/1.0 compatibility"): types, limits, the exact bytes
// lanmesh sends (formatters) and the tolerant pieces shared by the parsers. Pure: no I/O.

export const P2PCI_VERSION = 'P2P-CI/1.0';
export const DEFAULT_INDEX_PORT = 7734;

export type StatusCode = 200 | 400 | 404 | 505;
export const STATUS_PHRASES: Readonly<Record<StatusCode, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  505: 'P2P-CI Version Not Supported',
};

export interface CodecLimits {
  /** Longest line (without its CRLF) before the input is refused. */
  maxLineBytes: number;
  /** Most header lines one request may carry. */
  maxHeaders: number;
}
export const DEFAULT_LIMITS: Readonly<CodecLimits> = { maxLineBytes: 8192, maxHeaders: 32 };

/** One index entry: a peer (host + upload port) holding an RFC. */
export interface RfcRecord {
  rfc: number;
  title: string;
  host: string;
  port: number;
}

export type P2pciRequest =
  | { method: 'ADD'; rfc: number; host: string; port: number; title: string }
  | { method: 'LOOKUP'; rfc: number; host: string; port: number; title: string }
  | { method: 'LIST'; host: string; port: number }
  | { method: 'GET'; rfc: number; host: string; os: string };

export type P2pciMethod = P2pciRequest['method'];

/** What a request parser yields: a request, or the error code to answer with. */
export type ParseResult =
  | (P2pciRequest & { error?: undefined; lines: string[] })
  | { error: 400 | 505; reason: string; closeAfter: boolean; lines: string[] };

const CRLF = '\r\n';
/** C0 and C1 control characters and DEL: never part of a host, and cleaned out of titles. */
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_RUN_RE = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Header values and titles are one line each, and hosts one token: strip what would break that. */
export function oneLine(s: string): string {
  return s.replace(CONTROL_RUN_RE, ' ').replace(/ {2,}/g, ' ').trim();
}
const token = (s: string): string => s.replace(/\s+/g, '');

/**
 * A host as a record carries it: one token of at most 255 printable characters. A host is what
 * other peers connect to, so one that is not (spaces, control characters) is refused, not cleaned.
 */
export function isHostToken(s: string): boolean {
  return s.length > 0 && s.length <= 255 && !/\s/.test(s) && !CONTROL_RE.test(s);
}

export function formatRecordLine(r: RfcRecord): string {
  return `RFC ${r.rfc} ${oneLine(r.title)} ${token(r.host)} ${r.port}`;
}

/** Index server answer: status line, one line per record, the empty line (no empty line after the status line). */
export function formatResponse(code: StatusCode, records: readonly RfcRecord[] = []): Buffer {
  const lines = [`${P2PCI_VERSION} ${code} ${STATUS_PHRASES[code]}`];
  if (code === 200) for (const r of records) lines.push(formatRecordLine(r));
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
}

/** A request exactly as the spec writes it: request line, headers, empty line. */
export function formatRequest(req: P2pciRequest): Buffer {
  let lines: string[];
  switch (req.method) {
    case 'ADD':
    case 'LOOKUP':
      lines = [
        `${req.method} RFC ${req.rfc} ${P2PCI_VERSION}`,
        `Host: ${token(req.host)}`,
        `Port: ${req.port}`,
        `Title: ${oneLine(req.title)}`,
      ];
      break;
    case 'LIST':
      lines = [`LIST ALL ${P2PCI_VERSION}`, `Host: ${token(req.host)}`, `Port: ${req.port}`];
      break;
    case 'GET':
      lines = [`GET RFC ${req.rfc} ${P2PCI_VERSION}`, `Host: ${token(req.host)}`, `OS: ${oneLine(req.os)}`];
      break;
  }
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
}

export interface GetHeader {
  date: Date;
  os: string;
  lastModified: Date;
  length: number;
}

/** The upload server's header block for a 200 answer to GET, ending with the empty line. */
export function formatGetHeader(h: GetHeader): Buffer {
  const lines = [
    `${P2PCI_VERSION} 200 ${STATUS_PHRASES[200]}`,
    `Date: ${h.date.toUTCString()}`,
    `OS: ${oneLine(h.os)}`,
    `Last-Modified: ${h.lastModified.toUTCString()}`,
    `Content-Length: ${h.length}`,
    'Content-Type: text/plain',
  ];
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
}

/** Servers write `Last Modified:` or `Content_Length:` too; a name is up to 41 such characters. */
const HEADER_RE = /^([A-Za-z][A-Za-z0-9 _-]{0,40}?)[ \t]*:[ \t]*(.*)$/;

/**
 * `Name: value` with the name normalised (lower case, each run of spaces, `_` and `-` one `-`:
 * `Last Modified` → `last-modified`), or undefined when the line is not a header.
 */
export function parseHeaderLine(line: string): { name: string; value: string } | undefined {
  const m = HEADER_RE.exec(line);
  return m ? { name: m[1]!.toLowerCase().replace(/[ _-]+/g, '-'), value: m[2]!.trim() } : undefined;
}

const STATUS_RE = /^\s*(P2P-CI\/\S+)[ \t]+(\d{3})(?:[ \t]+(.*?))?\s*$/i;

export function parseStatusLine(line: string): { version: string; code: number; phrase: string } | undefined {
  const m = STATUS_RE.exec(line);
  return m ? { version: m[1]!, code: Number(m[2]), phrase: m[3] ?? '' } : undefined;
}

export const RFC_NUMBER_RE = /^\d{1,9}$/;

export function parsePort(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * `RFC <n> <title> <host> <port>`: number first, port last, host second to last, the title (which
 * has spaces, and may be empty) in between. The `RFC` word is optional. Control characters in
 * the title become spaces, and a host that is not a host token makes the line no record.
 */
export function parseRecordLine(line: string): RfcRecord | undefined {
  const m = /^\s*(?:RFC[ \t]*)?(\d{1,9})[ \t]+(?:(.*?)[ \t]+)?(\S+)[ \t]+(\d{1,5})\s*$/i.exec(line);
  if (!m) return undefined;
  const port = parsePort(m[4]);
  if (port === undefined || !isHostToken(m[3]!)) return undefined;
  const title = (m[2] ?? '').replace(CONTROL_RUN_RE, ' ').trim();
  return { rfc: Number(m[1]), title, host: m[3]!, port };
}
