// Path safety: every path built from a name (ours or a remote peer's) stays inside its root, and
// names from the wire become one harmless file name, never overwriting an existing file.
import { lstat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { LanmeshError } from '../errors.js';
import { UNPRINTABLE_RE } from '../text.js';

/** Cap in UTF-8 bytes, below NAME_MAX (255) so uniqueName can still append " (n)". */
export const MAX_NAME_BYTES = 200;

// C0/C1 controls (NUL included) and bidi overrides, which can disguise an extension.
const CONTROL_RE = UNPRINTABLE_RE;

/** True when `p` is `root` or lies under it (both absolute, already resolved). */
export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** resolve(root, ...parts), or UNSAFE_NAME when the result is outside root. */
export function safeJoin(root: string, ...parts: string[]): string {
  const base = resolve(root);
  if (parts.some((p) => p.includes('\0'))) {
    throw new LanmeshError('UNSAFE_NAME', `path part with a NUL byte under ${base}`);
  }
  const out = resolve(base, ...parts);
  if (!isInside(base, out)) {
    throw new LanmeshError('UNSAFE_NAME', `${JSON.stringify(parts.join('/'))} escapes ${base}`);
  }
  return out;
}

/**
 * A remote peer's file name → one safe local file name: the last path segment, without control
 * characters, surrounding spaces or leading dots (no hidden files, nothing the scanner ignores),
 * at most MAX_NAME_BYTES. UNSAFE_NAME when nothing usable remains.
 */
export function sanitizeName(nameFromWire: string): string {
  if (typeof nameFromWire !== 'string') throw new LanmeshError('UNSAFE_NAME', 'file name is not a string');
  const segments = nameFromWire.replace(CONTROL_RE, '').split(/[/\\]/).map((s) => s.trim());
  const last = segments.filter((s) => s !== '').pop() ?? '';
  const name = capBytes(last.replace(/^\.+/, '').trim(), MAX_NAME_BYTES);
  if (name === '') {
    throw new LanmeshError('UNSAFE_NAME', `no usable file name in ${JSON.stringify(nameFromWire.slice(0, 300))}`);
  }
  return name;
}

/** Shortens to `max` UTF-8 bytes on a code point boundary, keeping a short extension when there is one. */
function capBytes(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const ext = extname(name);
  const keepExt = ext.length > 1 && Buffer.byteLength(ext) <= 16 ? ext : '';
  const stem = [...name.slice(0, name.length - keepExt.length)];
  let budget = max - Buffer.byteLength(keepExt);
  let out = '';
  for (const ch of stem) {
    budget -= Buffer.byteLength(ch);
    if (budget < 0) break;
    out += ch;
  }
  return out.trimEnd() + keepExt;
}

/** `name` if nothing by that name is in `dir`, else `stem (1).ext`, `stem (2).ext`, … */
export async function uniqueName(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = ext === name ? name : name.slice(0, name.length - ext.length);
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? name : `${stem} (${n})${ext}`;
    if (!(await exists(safeJoin(dir, candidate)))) return candidate;
  }
  throw new LanmeshError('IO', `no free name for ${name} in ${dir}`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new LanmeshError('IO', `cannot check ${p}`, { cause: e });
  }
}
