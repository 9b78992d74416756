// The JSON that one-shot commands print with --json (documented in the README). Pure mappings from
// the peer's reports; field names are a public contract: add fields, never rename them.
import type { MeshFile, MeshFolder } from '../catalog/catalog.js';
import type { FolderWhere } from '../transfer/folder-service.js';
import type { PeerView } from '../peer.js';
import type { PortSet } from '../types.js';
import type { DownloadSummary, WhereReport } from '../transfer/transfer-service.js';
import { chunkRanges } from '../session/text.js';
import { LanmeshError, describeError } from '../errors.js';

export interface SelfJson {
  id: string;
  name: string;
  ports: PortSet;
}

export function filesJson(files: MeshFile[]) {
  return {
    files: files.map((f) => ({
      id: f.id,
      name: f.names[0]!,
      names: f.names,
      size: f.size,
      chunkSize: f.chunkSize,
      holders: f.holders.map((h) => ({ peer: h.peer, name: h.peerName, complete: h.have === undefined })),
    })),
  };
}

/** `list --json`: `folders` beside `files` (docs/ARCHITECTURE.md "One-shot --json shapes"). */
export function foldersJson(folders: MeshFolder[]) {
  return folders.map((f) => ({
    id: f.id,
    name: f.names[0]!,
    names: f.names,
    files: f.files.length,
    size: f.size,
    holders: f.holders.map((h) => ({ peer: h.peer, name: h.peerName })),
  }));
}

export function whereFolderJson(w: FolderWhere) {
  const f = w.folder;
  return {
    folder: { id: f.id, name: f.names[0]!, names: f.names, files: f.files.length, size: f.size },
    holders: w.holders.map((h) => ({ name: h.name, address: h.address ?? null, self: h.self })),
    files: f.files.map((x) => ({ path: x.path, id: x.id, size: x.size })),
  };
}

export function peersJson(self: SelfJson, peers: PeerView[]) {
  return {
    self,
    peers: peers.map((p) => ({ id: p.id, name: p.name, address: p.address, ports: p.ports, files: p.files ?? null, static: p.static })),
  };
}

export function whereJson(r: WhereReport) {
  const f = r.file;
  return {
    file: { id: f.id, name: f.names[0]!, names: f.names, size: f.size, chunkSize: f.chunkSize, chunks: r.chunks },
    holders: r.holders.map((h) => ({
      peer: h.peer,
      name: h.name,
      address: h.address ?? null,
      self: h.self,
      complete: h.have === 'all',
      chunks: h.have === 'all' ? r.chunks : h.have.count(),
      ranges: h.have === 'all' ? (r.chunks > 0 ? `0-${r.chunks - 1}` : 'none') : chunkRanges(h.have, Infinity),
    })),
  };
}

/** `path` is where the file ended up (after --out), which may differ from the summary's. */
export function downloadJson(s: DownloadSummary, path: string) {
  return {
    file: { id: s.id, name: s.name, size: s.size },
    path,
    ms: s.ms,
    rate: Math.round(s.rate),
    holders: s.shares.map((h) => ({ peer: h.peer, name: h.name, bytes: h.bytes, chunks: h.chunks })),
    chunks: { fetched: s.fetched, kept: s.kept, refetched: s.refetched, duplicates: s.duplicates },
    dropped: s.dropped.map((d) => ({ peer: d.peer, name: d.name, address: d.address, reason: d.reason })),
    ...(s.folder && { folder: { ...s.folder } }),
  };
}

export function errorJson(err: unknown) {
  const code = err instanceof LanmeshError ? err.code : 'ERROR';
  return { error: { code, message: describeError(err) } };
}
