// Relative paths from the wire (a catalog entry's `path`): checked on receipt so that no path a
// remote peer sends can name anything outside the folder it is joined to (docs/PROTOCOL.md "Paths").
// Pure: the same rule is applied by the store to what it offers, so a peer never sends what it would refuse.
import { UNPRINTABLE_RE } from '../text.js';

/** Segments in one path (folders + the file name). */
export const MAX_PATH_DEPTH = 32;
/** UTF-16 code units in one path. */
export const MAX_PATH_LENGTH = 1024;
/** UTF-8 bytes in one segment (NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255;

// The characters text.ts never prints (C0/C1 controls, DEL, bidi overrides/isolates, which can
// disguise a name); without its global flag, so test() keeps no state between calls.
const BAD_CHAR_RE = new RegExp(UNPRINTABLE_RE.source);

/** Why `path` is not an acceptable relative path, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (typeof path !== 'string') return 'not a string';
  if (path.length === 0) return 'empty';
  if (path.length > MAX_PATH_LENGTH) return `longer than ${MAX_PATH_LENGTH} characters`;
  if (BAD_CHAR_RE.test(path)) return 'contains a control or bidi character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'is absolute';
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH) return `deeper than ${MAX_PATH_DEPTH} segments`;
  for (const s of segments) {
    if (s === '') return 'has an empty segment';
    if (s === '.' || s === '..') return `has a ${JSON.stringify(s)} segment`;
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  return undefined;
}

export const isSafeRelPath = (path: string): boolean => pathProblem(path) === undefined;

/** The path's segments, its last one the file name. */
export const pathSegments = (path: string): string[] => path.split('/');
