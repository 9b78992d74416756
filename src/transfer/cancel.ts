// `cancel <name | id>`: which download a user means (running, or only on disk in .lanmesh/partial), by
// exact name or id prefix (≥ 4 hex digits). Pure; several matches are AMBIGUOUS and list their ids.
import type { FileId } from '../types.js';
import { LanmeshError } from '../errors.js';

export interface CancelCandidate {
  id: FileId;
  name: string;
}

export function pickDownload<T extends CancelCandidate>(candidates: readonly T[], query: string): T {
  const q = query.trim();
  if (!q) throw new LanmeshError('BAD_COMMAND', 'cancel which download? give its name or id prefix (see downloads)');
  const byName = candidates.filter((c) => c.name === q);
  const byId = /^[0-9a-f]{4,64}$/i.test(q) ? candidates.filter((c) => c.id.startsWith(q.toLowerCase())) : [];
  const matches = byName.length > 0 ? byName : byId;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new LanmeshError('NOT_FOUND', `no download '${q}' (see downloads)`);
  const ids = matches.map((m) => m.id.slice(0, 12)).join(', ');
  throw new LanmeshError('AMBIGUOUS', `'${q}' names ${matches.length} downloads; give an id instead: ${ids}`);
}
