// Which shared files are RFCs for P2P-CI, and their (number, title): `rfc<n>.txt` (title from the
// text) and `<n><title>.txt` (title from the name). Pure.
import { oneLine } from './codec.js';

export interface RfcName {
  rfc: number;
  /** The title the name carries, if any. */
  title: string | undefined;
}

/** How much of a file's start titleFromText needs. */
export const TITLE_SCAN_BYTES = 4096;
const MAX_TITLE = 120;

/** The file name P2P-CI downloads are saved under. */
export const rfcFileName = (rfc: number): string => `rfc${rfc}.txt`;

/**
 * `rfc791.txt`, `RFC-791.txt`, `rfc791 Internet Protocol.txt` and `791Internet Protocol.txt`,
 * `791 - Internet Protocol.txt`, `791.txt`. Only the last path segment counts.
 */
export function parseRfcFileName(path: string): RfcName | undefined {
  const name = path.split(/[\\/]/).pop() ?? '';
  if (name.startsWith('.')) return undefined;
  const m = /^(?:rfc[-_ ]?)?(\d{1,9})(.*)\.txt$/i.exec(name);
  if (!m) return undefined;
  const title = oneLine(m[2]!.replace(/^[\s\-_–—:.]+/, ''));
  return { rfc: Number(m[1]), title: title ? title.slice(0, MAX_TITLE) : undefined };
}

const HEADER_WORDS = /^(network working group|internet engineering task force|internet research task force|request for comments|category|obsoletes|updates|issn|stream|status of this memo|abstract|copyright|table of contents)\b/i;
/** The two-column block at the top of a published RFC: author names far to the right. */
const TWO_COLUMNS = /\S {3,}\S/;

/**
 * The title in an RFC file's first lines: the first line if it reads as a title (a leading
 * `RFC 791 —` is dropped), else, for a published RFC, the first line after its header block.
 */
export function titleFromText(text: string): string | undefined {
  const lines = text.split(/\r?\n/).slice(0, 80);
  let inHeaderBlock = false;
  for (const raw of lines) {
    const trimmed = raw.trim();
    if (trimmed === '') {
      inHeaderBlock = false;
      continue;
    }
    if (inHeaderBlock || TWO_COLUMNS.test(trimmed) || HEADER_WORDS.test(trimmed)) {
      inHeaderBlock = true;
      continue;
    }
    const rest = trimmed.replace(/^RFC[\s:]*\d+\s*[-–—:]*\s*/i, '');
    if (rest === '') continue;
    return looksLikeTitle(rest) ? oneLine(rest) : undefined;
  }
  return undefined;
}

function looksLikeTitle(s: string): boolean {
  return (
    s.length >= 2 &&
    s.length <= MAX_TITLE &&
    /\p{L}/u.test(s) &&
    !/[.;,]$/.test(s) &&
    !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s)
  );
}

/** The title to register: from the name, else from the text, else `RFC <n>`. */
export function rfcTitle(name: RfcName, head?: string): string {
  return name.title ?? (head === undefined ? undefined : titleFromText(head)) ?? `RFC ${name.rfc}`;
}
