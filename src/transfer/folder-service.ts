// Every folder download of this peer: started by a command (`download docs/`), resumed from
// .lanmesh/folders/ at start, listed, and closed with the transfers. Owned by TransferService.
import { join } from 'node:path';
import type { Catalog, MeshFolder } from '../catalog/catalog.js';
import { findFolders } from '../catalog/folders.js';
import type { LocalStore } from '../store/local-store.js';
import { FolderPartial, folderName } from '../store/folder-partial.js';
import { LanmeshError, describeError } from '../errors.js';
import type { FileId, PeerId } from '../types.js';
import { FolderDownload, type FolderHost } from './folder-download.js';
import type { PeerLookup } from './holders.js';
import type { TokenTable } from './tokens.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { DownloadEvent, DownloadProgress, DownloadStart } from './download-types.js';
import type { IntoFolder } from './download-types.js';

export interface FolderServiceInit {
  store: LocalStore;
  catalog: Catalog;
  tokens: TokenTable;
  lookup: PeerLookup;
  receiverPort(): number | undefined;
  onWarning(m: string): void;
  emit(e: DownloadEvent): void;
  fetchInto(id: FileId, name: string, into: IntoFolder): Promise<void>;
  watchLinks(fn: (peer: PeerId, address: string) => void): () => void;
  /** What dials to holders speak (a private mesh's TLS-PSK). */
  security?: SocketSecurity;
}

export interface FolderWhere {
  folder: MeshFolder;
  holders: { name: string; address: string | undefined; self: boolean }[];
}

export class FolderService {
  private readonly running = new Map<string, FolderDownload>();
  private readonly starting = new Set<string>();
  private closed = false;

  constructor(private readonly init: FolderServiceInit) {}

  /** Folders a word names (`docs`, `docs/`, an id prefix). */
  find(query: string): MeshFolder[] {
    return findFolders(this.init.catalog.folders(), query);
  }

  where(query: string): FolderWhere {
    const folder = this.resolve(query);
    return {
      folder,
      holders: folder.holders.map((h) => ({ name: h.peerName, address: h.local ? undefined : this.init.lookup(h.peer)?.address, self: h.local })),
    };
  }

  /** Starts fetching a whole folder into downloads/<name>/ (resumes it when its partial tree is on disk). */
  async download(query: string): Promise<DownloadStart> {
    if (this.closed) throw new LanmeshError('IO', 'transfers are not running');
    const folder = this.resolve(query);
    const q = query.trim().replace(/\/+$/, '');
    const name = folderName(folder.names.includes(q) ? q : folder.names[0]!);
    if (folder.local) throw new LanmeshError('BAD_COMMAND', `${name}/ is already here (id ${folder.id.slice(0, 12)})`);
    return this.begin({ id: folder.id, name, files: folder.files }, 'command');
  }

  /** Folder downloads left on disk, started again; returns the ids of big files they own (not to be resumed alone). */
  async resume(): Promise<Set<FileId>> {
    const claimed = new Set<FileId>();
    for (const state of await FolderPartial.list(this.init.store.dir, this.init.onWarning)) {
      for (const f of state.files) claimed.add(f.id);
      if (this.closed || this.running.has(state.id) || this.starting.has(state.id)) continue;
      await this.begin(state, 'resume').catch((e: unknown) => this.init.onWarning(`cannot resume ${state.name}/: ${describeError(e)}`));
    }
    return claimed;
  }

  /**
   * Stops a folder download for good (running, or only on disk) and deletes its partial tree; `dropFile`
   * ends and deletes the partial of each of its big files. Undefined when `query` names no folder download.
   */
  async cancel(query: string, dropFile: (id: FileId) => Promise<void>): Promise<{ id: string; name: string; bytesDone: number; running: boolean } | undefined> {
    const q = query.trim().replace(/\/+$/, '');
    const onDisk = await FolderPartial.list(this.init.store.dir, this.init.onWarning);
    const pick = onDisk.find((s) => s.name === q) ?? (/^[0-9a-f]{4,64}$/.test(q) ? onDisk.find((s) => s.id.startsWith(q)) : undefined);
    if (!pick) return undefined;
    const d = this.running.get(pick.id);
    const bytesDone = d?.progress().bytesDone ?? 0;
    if (d) {
      this.running.delete(pick.id);
      d.close();
    }
    for (const f of pick.files) if (f.size > f.chunkSize) await dropFile(f.id);
    await FolderPartial.remove(this.init.store.dir, pick.id);
    if (d) this.init.emit({ type: 'failed', failure: { id: pick.id as FileId, name: `${pick.name}/`, error: 'cancelled', cancelled: true } });
    return { id: pick.id, name: `${pick.name}/`, bytesDone, running: d !== undefined };
  }

  list(): DownloadProgress[] {
    return [...this.running.values()].filter((d) => d.state !== 'done').map((d) => d.progress());
  }

  close(): void {
    this.closed = true;
    for (const d of this.running.values()) d.close();
    this.running.clear();
  }

  private resolve(query: string): MeshFolder {
    const matches = this.find(query);
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw new LanmeshError('NOT_FOUND', `no folder '${query.trim()}' on the mesh (see list)`);
    const options = matches.slice(0, 8).map((f) => `${f.id.slice(0, 12)} (${f.files.length} files)`).join('; ');
    throw new LanmeshError('AMBIGUOUS', `'${query.trim()}' names ${matches.length} different folders; give an id instead: ${options}`);
  }

  private async begin(state: { id: string; name: string; files: MeshFolder['files'] }, via: DownloadStart['via']): Promise<DownloadStart> {
    const { id } = state;
    const running = this.running.get(id);
    if (running?.state === 'done') throw new LanmeshError('BAD_COMMAND', `${state.name}/ is already here (being offered)`);
    if (running) throw new LanmeshError('BAD_COMMAND', `${state.name}/ is already downloading (${running.progress().percent}%)`);
    if (this.starting.has(id)) throw new LanmeshError('BAD_COMMAND', `${state.name}/ is being started already`);
    const receiverPort = this.init.receiverPort();
    if (receiverPort === undefined) throw new LanmeshError('IO', 'the receiver port is not bound');
    this.starting.add(id);
    try {
      const partial = await FolderPartial.open(this.init.store.dir, state);
      if (this.closed) throw new LanmeshError('IO', 'transfers are closing');
      const host: FolderHost = {
        ...this.init,
        receiverPort,
        downloadsDir: join(this.init.store.dir, 'downloads'),
        ended: (d) => {
          if (this.running.get(d.id) === d) this.running.delete(d.id);
        },
      };
      const d = new FolderDownload(host, partial);
      this.running.set(id, d);
      return await d.start(via);
    } finally {
      this.starting.delete(id);
    }
  }
}
