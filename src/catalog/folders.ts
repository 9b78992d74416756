// Pure: the folders of the mesh. Each peer offers every top-level folder of its shared/ and downloads/
// as a collection: the files it lists whose path starts with that folder. A folder's id is the hash of
// its canonical file list (wire/collection.ts), so holders of the same tree are one folder's holders,
// whatever they call it.
import type { CatalogEntry, FileId, PeerId } from '../types.js';
import { canonicalOrder, collectionId } from '../wire/collection.js';

export interface FolderFile {
  /** Relative to the folder, '/'-separated ("lab/a b.txt"). */
  path: string;
  id: FileId;
  size: number;
  chunkSize: number;
}

export interface FolderHolder {
  peer: PeerId;
  peerName: string;
  local: boolean;
  /** What this holder calls the folder. */
  name: string;
}

export interface MeshFolder {
  id: string;
  /** Distinct names, most holders first. */
  names: string[];
  /** In canonical order. */
  files: FolderFile[];
  size: number;
  holders: FolderHolder[];
  /** True when this peer holds the whole folder. */
  local: boolean;
}

export interface PeerEntries {
  peer: PeerId;
  peerName: string;
  local: boolean;
  entries: readonly CatalogEntry[];
}

/** Every folder, by first name then id. Partial entries (a `have`) do not make a folder. */
export function buildFolders(peers: readonly PeerEntries[]): MeshFolder[] {
  const byId = new Map<string, MeshFolder>();
  for (const p of peers) {
    const trees = new Map<string, Map<string, FolderFile>>();
    for (const e of p.entries) {
      if (e.path === undefined || e.have !== undefined) continue;
      const slash = e.path.indexOf('/');
      if (slash <= 0) continue;
      const top = e.path.slice(0, slash);
      let tree = trees.get(top);
      if (!tree) trees.set(top, (tree = new Map()));
      const rel = e.path.slice(slash + 1);
      // The same folder name in shared/ and downloads/: the first listing of a path wins.
      if (!tree.has(rel)) tree.set(rel, { path: rel, id: e.id, size: e.size, chunkSize: e.chunkSize });
    }
    for (const [name, tree] of trees) {
      const files = canonicalOrder([...tree.values()]);
      const id = collectionId(files);
      let f = byId.get(id);
      if (!f) {
        f = { id, names: [], files, size: files.reduce((n, x) => n + x.size, 0), holders: [], local: false };
        byId.set(id, f);
      }
      f.holders.push({ peer: p.peer, peerName: p.peerName, local: p.local, name });
      if (p.local) f.local = true;
    }
  }
  const out = [...byId.values()];
  for (const f of out) {
    const count = new Map<string, number>();
    for (const h of f.holders) count.set(h.name, (count.get(h.name) ?? 0) + 1);
    f.names = [...count.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  }
  return out.sort((a, b) => (a.names[0]! < b.names[0]! ? -1 : a.names[0]! > b.names[0]! ? 1 : a.id < b.id ? -1 : 1));
}

/** Folders a user's word names: `docs` or `docs/` by name, else a unique id prefix (≥ 4 hex digits). */
export function findFolders(folders: readonly MeshFolder[], query: string): MeshFolder[] {
  const q = query.trim().replace(/\/+$/, '');
  if (!q) return [];
  const byName = folders.filter((f) => f.names.includes(q));
  if (byName.length) return byName;
  if (query.trim().endsWith('/') || !/^[0-9a-f]{4,64}$/.test(q)) return [];
  return folders.filter((f) => f.id.startsWith(q));
}
