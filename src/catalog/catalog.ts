// The mesh-wide view: every file by content id, with its names and every peer that holds it.
// Fed by the local store and by remote catalogs; knows nothing about sockets.
import { EventEmitter } from 'node:events';
import type { CatalogEntry, FileId, PeerId } from '../types.js';
import { printable } from '../text.js';

export interface Holder {
  peer: PeerId;
  peerName: string;
  /** The name this holder gives the file. */
  name: string;
  local: boolean;
  /** Base64 bitfield when the holder has only some chunks. */
  have?: string;
}

export interface MeshFile {
  id: FileId;
  size: number;
  chunkSize: number;
  /** Distinct names, most common first. */
  names: string[];
  holders: Holder[];
  /** True when this peer holds the whole file. */
  local: boolean;
}

interface PeerCatalog {
  peerName: string;
  local: boolean;
  entries: CatalogEntry[];
}

export class Catalog extends EventEmitter {
  private readonly byPeer = new Map<PeerId, PeerCatalog>();

  constructor(private readonly self: { id: PeerId; name: string }) {
    super();
  }

  setLocal(entries: CatalogEntry[]): void {
    this.byPeer.set(this.self.id, { peerName: this.self.name, local: true, entries });
    this.emit('change');
  }

  setRemote(peer: PeerId, peerName: string, entries: CatalogEntry[]): void {
    // Names from the network are display text from here on: made printable once, for every view.
    const clean = entries.map((e) => ({ ...e, name: printable(e.name) }));
    this.byPeer.set(peer, { peerName: printable(peerName), local: false, entries: clean });
    this.emit('change');
  }

  removePeer(peer: PeerId): void {
    if (this.byPeer.delete(peer)) this.emit('change');
  }

  /** Number of files a peer offers (undefined when its catalog was not fetched yet). */
  fileCount(peer: PeerId): number | undefined {
    return this.byPeer.get(peer)?.entries.length;
  }

  files(): MeshFile[] {
    const byId = new Map<FileId, { file: MeshFile; nameCounts: Map<string, number> }>();
    for (const [peer, cat] of this.byPeer) {
      for (const e of cat.entries) {
        let slot = byId.get(e.id);
        if (!slot) {
          slot = {
            file: { id: e.id, size: e.size, chunkSize: e.chunkSize, names: [], holders: [], local: false },
            nameCounts: new Map(),
          };
          byId.set(e.id, slot);
        }
        // One peer may hold the same bytes under two names: count it once as a holder.
        slot.nameCounts.set(e.name, (slot.nameCounts.get(e.name) ?? 0) + 1);
        if (slot.file.holders.some((h) => h.peer === peer)) continue;
        slot.file.holders.push({ peer, peerName: cat.peerName, name: e.name, local: cat.local, have: e.have });
        if (cat.local && e.have === undefined) slot.file.local = true;
      }
    }
    const out: MeshFile[] = [];
    for (const { file, nameCounts } of byId.values()) {
      file.names = [...nameCounts.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([n]) => n);
      file.holders.sort((a, b) => a.peerName.localeCompare(b.peerName));
      out.push(file);
    }
    return out.sort((a, b) => a.names[0]!.localeCompare(b.names[0]!) || a.id.localeCompare(b.id));
  }

  /**
   * Files matching a user's word: an exact name, else a unique id prefix (≥ 4 hex chars).
   * Returns every match so the caller can say when a name is ambiguous.
   */
  find(query: string): MeshFile[] {
    const all = this.files();
    const byName = all.filter((f) => f.names.includes(query));
    if (byName.length > 0) return byName;
    const q = query.toLowerCase();
    if (/^[0-9a-f]{4,64}$/.test(q)) return all.filter((f) => f.id.startsWith(q));
    return [];
  }
}
