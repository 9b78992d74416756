// The mesh-wide view: every file by content id, with its names and every peer that holds it.
// Fed by the local store and by remote catalogs; knows nothing about sockets. The view is indexed by
// id and cached: a change rebuilds only the files it touched, and only when someone looks.
import { EventEmitter } from 'node:events';
import type { CatalogEntry, FileId, PeerId, PortSet } from '../types.js';
import { printable } from '../text.js';
import { buildMeshFile, byNameThenId, compareListings, sameShape, type FileShape, type MeshFile, type PeerListing } from './mesh-file.js';

import { buildFolders, type MeshFolder } from './folders.js';

export type { FileShape, Holder, MeshFile } from './mesh-file.js';
export type { FolderFile, FolderHolder, MeshFolder } from './folders.js';

/** Estimated heap one remote entry costs (entry, id, index slot, its file in the cached view: ~1 KB measured) plus its text. */
const entryCost = (e: CatalogEntry): number => 900 + 2 * e.name.length + (e.have?.length ?? 0);
/** Default memory budget for everything remote catalogs make us hold: ~130,000 short entries, more than one full catalog. */
export const DEFAULT_REMOTE_BUDGET_BYTES = 128 * 1024 * 1024;

export interface CatalogInit {
  /** Estimated bytes all remote catalogs together may hold; beyond it the largest is dropped. */
  remoteBudgetBytes?: number;
}

/** Where a remote peer answers: kept with its files, so transfers never ask discovery. */
export interface PeerReach {
  name: string;
  address: string;
  ports: PortSet;
}

export interface CatalogEvents {
  change: [];
  /** Recoverable: a remote catalog was dropped to stay inside the memory budget. */
  warning: [message: string];
}

interface PeerCatalog {
  peerName: string;
  local: boolean;
  entries: CatalogEntry[];
  /** Estimated memory (0 for the local catalog: it is ours, not the network's). */
  cost: number;
}

export class Catalog extends EventEmitter<CatalogEvents> {
  private readonly byPeer = new Map<PeerId, PeerCatalog>();
  /** Shapes known from a manifest verified against the id: they win over any peer's claim. */
  private readonly confirmed = new Map<FileId, FileShape>();
  private readonly reachable = new Map<PeerId, PeerReach>();
  /** id → what each peer lists for it, in the order peers first listed it. */
  private readonly listings = new Map<FileId, PeerListing[]>();
  private readonly views = new Map<FileId, MeshFile>();
  private readonly dirty = new Set<FileId>();
  private sorted: MeshFile[] | undefined;
  private reachChanges = 0;
  private byName: Map<string, MeshFile[]> | undefined;
  private remoteCost = 0;
  private seq = 0;
  private readonly budget: number;
  private folderView: MeshFolder[] | undefined;

  constructor(private readonly self: { id: PeerId; name: string }, init: CatalogInit = {}) {
    super();
    this.budget = init.remoteBudgetBytes ?? DEFAULT_REMOTE_BUDGET_BYTES;
  }

  setLocal(entries: CatalogEntry[]): void {
    // A file in a folder is shown (and found) by its path: a/readme.txt and b/readme.txt are two rows.
    const shown = entries.map((e) => (e.path === undefined ? e : { ...e, name: e.path }));
    this.put(this.self.id, { peerName: this.self.name, local: true, entries: shown, cost: 0 });
    this.emit('change');
  }

  setRemote(peer: PeerId, peerName: string, entries: CatalogEntry[]): void {
    // Names from the network are display text from here on: made printable once, for every view.
    const clean = entries.map((e) => ({ ...e, name: printable(e.path ?? e.name) }));
    const cost = clean.reduce((sum, e) => sum + entryCost(e) + (e.path?.length ?? 0) * 2, 0);
    this.put(peer, { peerName: printable(peerName), local: false, entries: clean, cost });
    this.keepInBudget();
    this.emit('change');
  }

  removePeer(peer: PeerId): void {
    const located = this.reachable.delete(peer);
    if (located) this.reachChanges++;
    if (this.drop(peer) || located) this.emit('change');
  }

  /** Records where `peer` answers; a move is a change (running downloads redial it there). */
  locate(peer: PeerId, at: PeerReach): void {
    const known = this.reachable.get(peer);
    const next = { name: printable(at.name), address: at.address, ports: { ...at.ports } };
    if (known && sameReach(known, next)) return;
    this.reachable.set(peer, next);
    this.reachChanges++;
    if (this.byPeer.has(peer)) this.emit('change');
  }

  /** Bumped whenever a peer's address or ports change: what reach() says may differ from then on. */
  get reachEpoch(): number {
    return this.reachChanges;
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
    this.touch(id);
    this.emit('change');
  }

  /** Number of files a peer offers (undefined when its catalog was not fetched yet, or was dropped). */
  fileCount(peer: PeerId): number | undefined {
    return this.byPeer.get(peer)?.entries.length;
  }

  /** Estimated bytes the remote catalogs hold now (at most the budget). */
  get remoteBytes(): number {
    return this.remoteCost;
  }

  /** Every file, by first name then id (a fresh array; the files are shared, do not mutate them). */
  files(): MeshFile[] {
    this.refresh();
    this.sorted ??= [...this.views.values()].sort(byNameThenId);
    return this.sorted.slice();
  }

  /** One file by id, rebuilding only that file if it changed. */
  file(id: FileId): MeshFile | undefined {
    if (this.dirty.delete(id)) this.rebuild(id);
    return this.views.get(id);
  }

  /**
   * Files matching a user's word: an exact name, else a unique id prefix (≥ 4 hex chars).
   * Returns every match so the caller can say when a name is ambiguous.
   */
  find(query: string): MeshFile[] {
    const all = this.files();
    if (!this.byName) {
      this.byName = new Map();
      for (const f of all) {
        for (const n of f.names) {
          const list = this.byName.get(n);
          if (list) list.push(f);
          else this.byName.set(n, [f]);
        }
      }
    }
    const byName = this.byName.get(query);
    if (byName) return byName.slice();
    const q = query.toLowerCase();
    if (/^[0-9a-f]{4,64}$/.test(q)) return all.filter((f) => f.id.startsWith(q));
    return [];
  }

  /** Every folder on the mesh (collections, src/catalog/folders.ts), by name then id; rebuilt after a change. */
  folders(): MeshFolder[] {
    this.folderView ??= buildFolders(
      [...this.byPeer].map(([peer, c]) => ({ peer, peerName: c.peerName, local: c.local, entries: c.entries })),
    );
    return this.folderView.slice();
  }

  /** Replaces what `peer` lists; marks only the ids whose listing changed. */
  private put(peer: PeerId, cat: PeerCatalog): void {
    this.folderView = undefined;
    const before = this.byPeer.get(peer);
    if (before && !before.local) this.remoteCost -= before.cost;
    this.byPeer.set(peer, cat);
    if (!cat.local) this.remoteCost += cat.cost;
    const groups = new Map<FileId, CatalogEntry[]>();
    for (const e of cat.entries) {
      const g = groups.get(e.id);
      if (g) g.push(e);
      else groups.set(e.id, [e]);
    }
    for (const e of before?.entries ?? []) if (!groups.has(e.id)) this.unlist(e.id, peer);
    for (const [id, entries] of groups) {
      let slots = this.listings.get(id);
      if (!slots) this.listings.set(id, (slots = []));
      const at = slots.findIndex((l) => l.peer === peer);
      const old = slots[at];
      if (old && old.peerName === cat.peerName && sameEntries(old.entries, entries)) continue;
      if (old) slots.splice(at, 1);
      // A re-fetch keeps its first-heard seq: the shape vote does not move on a refresh.
      insertSorted(slots, { peer, peerName: cat.peerName, seq: old?.seq ?? this.seq++, local: cat.local, entries });
      this.touch(id);
    }
  }

  private drop(peer: PeerId): boolean {
    const cat = this.byPeer.get(peer);
    if (!cat) return false;
    this.byPeer.delete(peer);
    this.folderView = undefined;
    if (!cat.local) this.remoteCost -= cat.cost;
    for (const e of cat.entries) this.unlist(e.id, peer);
    return true;
  }

  private unlist(id: FileId, peer: PeerId): void {
    const slots = this.listings.get(id);
    const at = slots?.findIndex((l) => l.peer === peer) ?? -1;
    if (!slots || at < 0) return;
    slots.splice(at, 1);
    if (slots.length === 0) this.listings.delete(id);
    this.touch(id);
  }

  /** Over budget: the largest remote catalogs go first (whoever sends the most pays), each with a warning. */
  private keepInBudget(): void {
    while (this.remoteCost > this.budget) {
      let victim: [PeerId, PeerCatalog] | undefined;
      for (const entry of this.byPeer) {
        if (!entry[1].local && (!victim || entry[1].cost > victim[1].cost)) victim = entry;
      }
      if (!victim) return;
      const [peer, cat] = victim;
      this.drop(peer);
      const mib = (n: number) => (n / 1048576).toFixed(1);
      this.emit('warning', `catalog of ${cat.peerName} dropped: its ${cat.entries.length} files (~${mib(cat.cost)} MiB) would take remote catalogs past their ${mib(this.budget)} MiB budget`);
    }
  }

  private touch(id: FileId): void {
    this.dirty.add(id);
    this.sorted = undefined;
    this.byName = undefined;
  }

  private refresh(): void {
    for (const id of this.dirty) this.rebuild(id);
    this.dirty.clear();
  }

  private rebuild(id: FileId): void {
    const slots = this.listings.get(id);
    const view = slots && buildMeshFile(id, slots, this.confirmed.get(id));
    if (view) this.views.set(id, view);
    else this.views.delete(id);
  }
}

function sameEntries(a: CatalogEntry[], b: CatalogEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => {
    const o = b[i]!;
    return e.name === o.name && e.path === o.path && e.size === o.size && e.chunkSize === o.chunkSize && e.have === o.have;
  });
}

function insertSorted(slots: PeerListing[], l: PeerListing): void {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareListings(slots[mid]!, l) <= 0) lo = mid + 1;
    else hi = mid;
  }
  slots.splice(lo, 0, l);
}

function sameReach(a: PeerReach, b: PeerReach): boolean {
  const p = a.ports;
  const q = b.ports;
  return a.name === b.name && a.address === b.address && p.receiver === q.receiver && p.sender === q.sender &&
    p.distributor === q.distributor && p.distributee === q.distributee;
}
