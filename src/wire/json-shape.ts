// A single pass over a control body's bytes before JSON.parse sees it: unknown fields are allowed
// (forward compatibility), so without this an 8 MiB body of four million nested arrays is a valid
// message that blocks the event loop for seconds and costs hundreds of MB to parse. No allocation.
import { LanmeshError } from '../errors.js';

/** Deepest nesting of objects and arrays (the deepest message, a plan, needs 4). */
export const MAX_JSON_DEPTH = 8;
/** Objects and arrays in one body (a full catalog page has one per file). */
export const MAX_JSON_CONTAINERS = 131_072;
/** Strings, numbers, booleans and nulls in one body, keys excluded (a catalog page needs about 5 per file). */
export const MAX_JSON_SCALARS = 1_048_576;
/** Bytes a top-level field may take, other than the ones that carry lists (files, manifest, shares, holders). */
export const MAX_JSON_FIELD_BYTES = 64 * 1024;
const LIST_FIELDS = new Set(['files', 'manifest', 'shares', 'holders']);

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c;
const OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d;

function refuse(what: string): never {
  throw new LanmeshError('BAD_MESSAGE', `control body refused before parsing: ${what}`);
}

/** Index of the quote that ends the string starting at `from` (body.length if none): native search, then a check for escapes. */
function stringEnd(body: Buffer, from: number): number {
  for (let at = from; ; ) {
    const q = body.indexOf(QUOTE, at);
    if (q < 0) return body.length;
    let slashes = 0;
    while (q - 1 - slashes >= from && body[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    at = q + 1;
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Throws BAD_MESSAGE when the body nests deeper than MAX_JSON_DEPTH, holds more containers or
 * scalars than allowed, or a top-level field outside LIST_FIELDS spans more than MAX_JSON_FIELD_BYTES.
 * Does not check the syntax: JSON.parse does that afterwards.
 */
export function checkJsonShape(body: Buffer): void {
  let depth = 0;
  let containers = 0;
  let scalars = 0;
  /** Top-level member in progress: whether its size is capped, and where its value began. */
  let capped = false;
  let valueStart = -1;
  /** At depth 1, the next string is a key (after `{` or `,`). */
  let expectKey = false;
  let inScalar = false;
  const endMember = (at: number): void => {
    if (capped && valueStart >= 0 && at - valueStart > MAX_JSON_FIELD_BYTES) {
      refuse(`a top-level field of ${at - valueStart} bytes (at most ${MAX_JSON_FIELD_BYTES})`);
    }
    valueStart = -1;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === QUOTE) {
      inScalar = false;
      const start = i + 1;
      i = stringEnd(body, start);
      if (depth === 1 && expectKey) {
        capped = !LIST_FIELDS.has(body.toString('latin1', start, i));
        expectKey = false;
      } else if (++scalars > MAX_JSON_SCALARS) refuse(`more than ${MAX_JSON_SCALARS} values`);
      continue;
    }
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      inScalar = false;
      if (++depth > MAX_JSON_DEPTH) refuse(`nested deeper than ${MAX_JSON_DEPTH}`);
      if (++containers > MAX_JSON_CONTAINERS) refuse(`more than ${MAX_JSON_CONTAINERS} objects and arrays`);
      if (depth === 1) expectKey = c === OPEN_OBJ;
      continue;
    }
    if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      inScalar = false;
      if (depth === 1) endMember(i);
      depth--;
      continue;
    }
    if (depth === 1 && c === COLON) {
      inScalar = false;
      valueStart = i + 1;
      continue;
    }
    if (c === COMMA) {
      inScalar = false;
      if (depth === 1) {
        endMember(i);
        expectKey = true;
      }
      continue;
    }
    if (isSpace(c)) {
      inScalar = false;
      continue;
    }
    // A number, true, false or null: counted at its first byte.
    if (!inScalar) {
      inScalar = true;
      if (++scalars > MAX_JSON_SCALARS) refuse(`more than ${MAX_JSON_SCALARS} values`);
    }
  }
}
