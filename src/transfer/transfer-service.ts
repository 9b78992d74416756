// The transfer module as the peer sees it: the receiver port, the chunk-request handler and uploads of
// the sender port, what this peer seeds, and every running download (started, resumed, finished, seeded).
import { EventEmitter } from 'node:events';
import { join, relative } from 'node:path';
import type { Catalog, MeshFile } from '../catalog/catalog.js';
import type { LocalFile, LocalStore } from '../store/local-store.js';
import { PartialDownload } from '../store/partial-download.js';
import type { FileId, Manifest, PeerId } from '../types.js';
import { LanmeshError, describeError } from '../errors.js';
import { ReceiverPort } from './receiver.js';
import { TokenTable } from './tokens.js';
import { UploadManager } from './upload.js';
import { SeedSource } from './seed-source.js';
import { chunkRequestHandler } from './chunk-requests.js';
import type { RequestHandler } from './sender.js';
import { Download } from './download.js';
import type { HolderInfo } from './holder-session.js';
import { fetchManifest } from './fetch-manifest.js';
import { remoteHolders, whereIs, type PeerLookup, type WhereReport } from './holders.js';
import { chosenName, resolveFile } from './resolve.js';
import { shareFile } from './share.js';
import type { DownloadProgress, DownloadStart, DownloadState, DownloadSummary, DroppedHolder } from './download-types.js';

export type * from './download-types.js';
export type { PeerAddress, PeerLookup, WhereHolder, WhereReport } from './holders.js';

export interface TransferInit {
  store: LocalStore;
  peerId: PeerId;
  onWarning: (msg: string) => void;
  /** Chunk uploads at once (default 8). */
  uploadSlots?: number;
  /** Chunks in flight per holder for the fastest holder (default 8). */
  window?: number;
  stallMs?: number;
}

export interface TransferEvents {
  /** What this peer offers changed (partial download progress): publish the catalog again. */
  change: [];
  'download:start': [DownloadStart];
  'download:progress': [DownloadProgress];
  'download:state': [DownloadProgress];
  'download:dropped': [DroppedHolder];
  'download:done': [DownloadSummary];
  'download:failed': [{ id: FileId; name: string; error: string }];
}

/** The download events the peer re-emits (for line mode and the UI). */
export const DOWNLOAD_EVENTS = [
  'download:start', 'download:progress', 'download:state', 'download:dropped', 'download:done', 'download:failed',
] as const;

interface Attachment {
  catalog: Catalog;
  lookup: PeerLookup;
}

export class TransferService extends EventEmitter<TransferEvents> {
  readonly source: SeedSource;
  readonly tokens = new TokenTable();
  readonly uploads: UploadManager;
  private receiver: ReceiverPort | undefined;
  private env: Attachment | undefined;
  private readonly downloads = new Map<FileId, Download>();
  private readonly starting = new Set<FileId>();
  private closed = false;

  constructor(private readonly init: TransferInit) {
    super();
    this.source = new SeedSource(init.store, init.peerId);
    this.source.on('change', () => this.emit('change'));
    this.uploads = new UploadManager({
      selfId: init.peerId,
      source: this.source,
      slots: init.uploadSlots,
      onWarning: init.onWarning,
    });
  }

  /** The sender port's extra handlers: chunks.get and chunks.cancel. */
  get senderHandlers(): RequestHandler[] {
    return [chunkRequestHandler(this.uploads, this.source)];
  }

  /** Binds the receiver port (T). */
  async listen(port: number, host: string): Promise<ReceiverPort> {
    this.receiver = await ReceiverPort.start({
      port,
      host,
      tokens: this.tokens,
      onWarning: this.init.onWarning,
      onLinkDown: (peer, address) => {
        for (const d of this.downloads.values()) d.linkDown(peer, address);
      },
    });
    return this.receiver;
  }

  /** Once the catalog and discovery run: holders come from them. */
  attach(env: Attachment): void {
    this.env = env;
    env.catalog.on('change', this.onCatalog);
  }

  /** Start (or resume) downloading what `query` names; progress and the end come as events. */
  async download(query: string): Promise<DownloadStart> {
    const { catalog } = this.attached();
    const file = resolveFile(catalog, query);
    if (file.local) throw new LanmeshError('BAD_COMMAND', `${chosenName(file, query)} is already here (id ${file.id.slice(0, 12)})`);
    const running = this.downloads.get(file.id);
    if (running || this.starting.has(file.id)) {
      throw new LanmeshError('BAD_COMMAND', `${chosenName(file, query)} is already downloading${running ? ` (${running.progress().percent}%)` : ''}`);
    }
    this.starting.add(file.id);
    try {
      const onDisk = (await PartialDownload.list(this.init.store.dir, { warn: this.init.onWarning })).find((p) => p.manifest.id === file.id);
      let manifest: Manifest;
      if (onDisk) manifest = onDisk.manifest;
      else {
        const holders = this.holders(file).sort((a, b) => Number(a.have !== 'all') - Number(b.have !== 'all'));
        manifest = { ...(await fetchManifest(file.id, holders.map((h) => ({ name: h.name, address: h.address, senderPort: h.senderPort })))), name: chosenName(file, query) };
      }
      return await this.begin(manifest, 'command');
    } finally {
      this.starting.delete(file.id);
    }
  }

  where(query: string): WhereReport {
    const { catalog, lookup } = this.attached();
    return whereIs(resolveFile(catalog, query), lookup);
  }

  share(path: string, cwd?: string): Promise<{ file: LocalFile; copied: boolean }> {
    return shareFile(this.init.store, path, cwd);
  }

  /** Counters for tests, the bench and logs. */
  stats(): { unknownChunks: number; uploaded: { chunks: number; bytes: number; missing: number } } {
    return { unknownChunks: this.receiver?.unknownChunks ?? 0, uploaded: { ...this.uploads.stats } };
  }

  list(): DownloadProgress[] {
    return [...this.downloads.values()].map((d) => d.progress());
  }

  /** Stops every download (verified chunks stay for a resume), the uploads and the receiver port. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.env?.catalog.off('change', this.onCatalog);
    this.uploads.close();
    await Promise.allSettled([...this.downloads.values()].map((d) => d.close()));
    this.downloads.clear();
    this.source.close();
    await this.receiver?.close();
  }

  private attached(): Attachment {
    if (!this.env || this.closed) throw new LanmeshError('IO', 'transfers are not running');
    return this.env;
  }

  /**
   * Picks up every partial download on disk (verified chunks are kept; each gets download:start with
   * via 'resume'). Called by the front end once it listens to the events. Idempotent.
   */
  async resumePartials(): Promise<void> {
    this.attached();
    const found = await PartialDownload.list(this.init.store.dir, { warn: this.init.onWarning });
    for (const info of found) {
      if (this.closed || this.downloads.has(info.manifest.id)) continue;
      if (this.init.store.byId(info.manifest.id)) continue;
      try {
        await this.begin(info.manifest, 'resume');
      } catch (e) {
        this.init.onWarning(`cannot resume ${info.manifest.name}: ${describeError(e)}`);
      }
    }
  }

  private async begin(manifest: Manifest, via: DownloadStart['via']): Promise<DownloadStart> {
    const { store } = this.init;
    const receiverPort = this.receiver?.port;
    if (receiverPort === undefined) throw new LanmeshError('IO', 'the receiver port is not bound');
    const pd = await PartialDownload.open(store.dir, manifest, { warn: this.init.onWarning });
    if (this.closed) {
      await pd.close();
      throw new LanmeshError('IO', 'transfers are closing');
    }
    const d = new Download({
      partial: pd,
      downloadsDir: join(store.dir, 'downloads'),
      tokens: this.tokens,
      receiverPort,
      window: this.init.window,
      stallMs: this.init.stallMs,
      onStored: () => this.source.progressed(),
    });
    this.downloads.set(d.id, d);
    this.source.addPartial(pd);
    const name = manifest.name;
    d.on('progress', (p) => this.emit('download:progress', p));
    d.on('state', (_s: DownloadState, p) => this.emit('download:state', p));
    d.on('dropped', (x) => this.emit('download:dropped', x));
    d.on('failed', (err) => {
      this.forget(d);
      this.emit('download:failed', { id: d.id, name, error: describeError(err) });
    });
    d.on('done', (summary) => void this.completed(d, summary));
    const holders = this.holders(this.meshFile(d.id));
    const start: DownloadStart = {
      id: d.id,
      name,
      size: manifest.size,
      chunks: manifest.hashes.length,
      kept: pd.have().count(),
      holders: holders.length,
      via,
    };
    this.emit('download:start', start);
    d.setHolders(holders);
    return start;
  }

  private async completed(d: Download, summary: DownloadSummary): Promise<void> {
    this.forget(d);
    try {
      await this.init.store.addFile(summary.path, d.manifest);
    } catch (e) {
      this.init.onWarning(`downloaded ${relative(this.init.store.dir, summary.path)} but cannot offer it yet: ${describeError(e)}`);
    }
    this.emit('download:done', summary);
  }

  private forget(d: Download): void {
    if (this.downloads.get(d.id) === d) this.downloads.delete(d.id);
    this.source.removePartial(d.id);
  }

  private holders(file: MeshFile | undefined): HolderInfo[] {
    return this.env ? remoteHolders(file, this.init.peerId, this.env.lookup, this.init.onWarning) : [];
  }

  private readonly onCatalog = (): void => {
    if (this.downloads.size === 0) return;
    const files = new Map(this.attached().catalog.files().map((f) => [f.id, f]));
    for (const d of this.downloads.values()) d.setHolders(this.holders(files.get(d.id)));
  };

  private meshFile(id: FileId): MeshFile | undefined {
    return this.env?.catalog.files().find((f) => f.id === id);
  }

}
