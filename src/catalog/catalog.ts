// The mesh-wide view: every file by content id, with its names and every peer that holds it.
// Fed by the local store and by remote catalogs; knows nothing about sockets.
import { EventEmitter } from 'node:events';
import type { CatalogEntry, FileId, PeerId, PortSet } from '../types.js';
import { printable } from '../text.js';

export interface Holder {
  peer: PeerId;
  peerName: string;
  /** The name this holder gives the file. */
  name: string;
  local: boolean;
  /** Base64 bitfield when the holder has only some chunks. */
  have?: string;
  /** The size and chunk size this holder claims (equal to the file's for every listed holder). */
  size: number;
  chunkSize: number;
}

export interface MeshFile {
  id: FileId;
  size: number;
  chunkSize: number;
  /** Distinct names, most common first. */
  names: string[];
  holders: Holder[];
  /**
   * Holders whose entry for this id gives another size or chunk size: left out of `holders` (a wrong
   * chunk count would break every bitfield), kept so a manifest (verified against the id) can still be asked of them.
   */
  conflicting: Holder[];
  /** True when this peer holds the whole file. */
  local: boolean;
}

/** Where a remote peer answers: kept with its files, so transfers never ask discovery. */
export interface PeerReach {
  name: string;
  address: string;
  ports: PortSet;
}

/** A file's shape: what decides its chunk count. */
export interface FileShape {
  size: number;
  chunkSize: number;
}

interface PeerCatalog {
  peerName: string;
  local: boolean;
  entries: CatalogEntry[];
}

export class Catalog extends EventEmitter {
  private readonly byPeer = new Map<PeerId, PeerCatalog>();
  /** Shapes known from a manifest verified against the id: they win over any peer's claim. */
  private readonly confirmed = new Map<FileId, FileShape>();
  private readonly reachable = new Map<PeerId, PeerReach>();

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
    const located = this.reachable.delete(peer);
    if (this.byPeer.delete(peer) || located) this.emit('change');
  }

  /** Records where `peer` answers; a move is a change (running downloads redial it there). */
  locate(peer: PeerId, at: PeerReach): void {
    const known = this.reachable.get(peer);
    const next = { name: printable(at.name), address: at.address, ports: { ...at.ports } };
    if (known && sameReach(known, next)) return;
    this.reachable.set(peer, next);
    if (this.byPeer.has(peer)) this.emit('change');
  }

  /** Where `peer` answers, as discovery last told catalog sync. */
  reach(peer: PeerId): PeerReach | undefined {
    const r = this.reachable.get(peer);
    return r && { ...r, ports: { ...r.ports } };
  }

  /** The shape of `id` from its verified manifest: entries that disagree are conflicting from now on. */
  confirm(id: FileId, shape: FileShape): void {
    const known = this.confirmed.get(id);
    if (known && sameShape(known, shape)) return;
    this.confirmed.set(id, { size: shape.size, chunkSize: shape.chunkSize });
    this.emit('change');
  }

  /** Number of files a peer offers (undefined when its catalog was not fetched yet). */
  fileCount(peer: PeerId): number | undefined {
    return this.byPeer.get(peer)?.entries.length;
  }

  files(): MeshFile[] {
    const byId = new Map<FileId, { holders: Holder[]; names: string[][] }>();
    for (const [peer, cat] of this.byPeer) {
      for (const e of cat.entries) {
        let slot = byId.get(e.id);
        if (!slot) byId.set(e.id, (slot = { holders: [], names: [] }));
        // One peer may hold the same bytes under two names: count it once as a holder.
        const at = slot.holders.findIndex((h) => h.peer === peer);
        if (at >= 0) {
          if (sameShape(slot.holders[at]!, e)) slot.names[at]!.push(e.name);
          continue;
        }
        slot.holders.push({ peer, peerName: cat.peerName, name: e.name, local: cat.local, have: e.have, size: e.size, chunkSize: e.chunkSize });
        slot.names.push([e.name]);
      }
    }
    const out: MeshFile[] = [];
    for (const [id, { holders: all, names }] of byId) {
      const shape = this.shapeOf(id, all);
      const nameCounts = new Map<string, number>();
      all.forEach((h, i) => {
        if (sameShape(h, shape)) for (const n of names[i]!) nameCounts.set(n, (nameCounts.get(n) ?? 0) + 1);
      });
      const holders = all.filter((h) => sameShape(h, shape)).sort((a, b) => a.peerName.localeCompare(b.peerName));
      const conflicting = all.filter((h) => !sameShape(h, shape));
      const sorted = [...nameCounts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n);
      const local = holders.some((h) => h.local && h.have === undefined);
      out.push({ id, size: shape.size, chunkSize: shape.chunkSize, names: sorted, holders, conflicting, local });
    }
    return out.sort((a, b) => a.names[0]!.localeCompare(b.names[0]!) || a.id.localeCompare(b.id));
  }

  /** Verified shape, else this peer's own (it hashed the bytes), else the most holders' claim (first seen on a tie). */
  private shapeOf(id: FileId, holders: Holder[]): FileShape {
    const confirmed = this.confirmed.get(id);
    if (confirmed) return confirmed;
    const own = holders.find((h) => h.local);
    if (own) return own;
    let best = holders[0]!;
    let bestVotes = 0;
    for (const h of holders) {
      const votes = holders.filter((o) => sameShape(o, h)).length;
      if (votes > bestVotes) [best, bestVotes] = [h, votes];
    }
    return best;
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

function sameReach(a: PeerReach, b: PeerReach): boolean {
  const p = a.ports;
  const q = b.ports;
  return a.name === b.name && a.address === b.address && p.receiver === q.receiver && p.sender === q.sender &&
    p.distributor === q.distributor && p.distributee === q.distributee;
}

function sameShape(a: FileShape, b: FileShape): boolean {
  return a.size === b.size && a.chunkSize === b.chunkSize;
}
