// Which mesh file a user means by a word: an exact name, else an id prefix. Pure; a name that
// stands for several different files (same name, other content) is AMBIGUOUS and lists their ids.
import type { Catalog, MeshFile } from '../catalog/catalog.js';
import { LanmeshError } from '../errors.js';
import { printable, withoutUnprintable } from '../text.js';

export function resolveFile(catalog: Catalog, query: string): MeshFile {
  const q = query.trim();
  if (!q) throw new LanmeshError('BAD_COMMAND', 'which file? give a name or an id prefix (see list)');
  const matches = catalog.find(q);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    const hint = /^[0-9a-f]{1,3}$/i.test(q) ? ' (an id prefix needs at least 4 hex digits)' : '';
    throw new LanmeshError('NOT_FOUND', `no file '${q}' on the mesh${hint} (see list)`);
  }
  const options = matches
    .slice(0, 8)
    .map((f) => `${f.id.slice(0, 12)} (${f.size} bytes, ${f.holders.map((h) => h.peerName).join(', ')})`)
    .join('; ');
  throw new LanmeshError('AMBIGUOUS', `'${q}' names ${matches.length} different files; give an id instead: ${options}`);
}

/** The name to save a file under: the one the user typed when it is one of the file's names. */
export function chosenName(file: MeshFile, query: string): string {
  return file.names.includes(query.trim()) ? query.trim() : file.names[0]!;
}

/**
 * The name to save under, given the name the manifest's sender used: catalog names are display text
 * (an ESC shown as U+FFFD), so when the chosen name is that sender's name made printable, the file is
 * named from the raw name with the unprintable characters dropped, not replaced.
 */
export function savedName(file: MeshFile, query: string, wireName: string): string {
  const shown = chosenName(file, query);
  return wireName !== shown && printable(wireName) === shown ? withoutUnprintable(wireName) : shown;
}
