// The transfer module as the peer sees it: the receiver port, the chunk-request handler and uploads of
// the sender port, what this peer seeds, and every running download (started, resumed, finished, seeded).
import { EventEmitter } from 'node:events';
import { join, relative, resolve } from 'node:path';
import type { Catalog, MeshFile } from '../catalog/catalog.js';
import type { LocalFile, LocalStore } from '../store/local-store.js';
import { PartialDownload } from '../store/partial-download.js';
import type { Bitfield } from '../store/bitfield.js';
import type { FileId, Manifest, PeerId } from '../types.js';
import { LanmeshError, describeError } from '../errors.js';
import { logger } from '../log.js';
import { ReceiverPort } from './receiver.js';
import { TokenTable } from './tokens.js';
import { ChunkPool } from './chunk-pool.js';
import { SpareConnections } from './spare-connections.js';
import { UploadManager } from './upload.js';
import { UploadTally, type UploadEvent, type UploadRow } from './upload-tally.js';
import { SeedSource } from './seed-source.js';
import { chunkRequestHandler } from './chunk-requests.js';
import type { RequestHandler } from './sender.js';
import { Download } from './download.js';
import type { HolderInfo } from './holder-session.js';
import { fetchManifest } from './fetch-manifest.js';
import { remoteHolders, whereIs, type PeerLookup, type WhereReport } from './holders.js';
import { chosenName, resolveFile, savedName } from './resolve.js';
import { shareFile } from './share.js';
import { shareFolder, type SharedFolder } from './share-folder.js';
import { pickDownload } from './cancel.js';
import { FolderService, type FolderWhere } from './folder-service.js';
import { PushHints } from './push-hints.js';
import { SmallPulls, type SmallPull } from './small-pulls.js';
import type { DownloadEvent, DownloadProgress, DownloadStart, DownloadSummary, IntoFolder } from './download-types.js';
import type { SocketSecurity } from '../wire/secure-socket.js';

const log = logger('transfer');

export type * from './download-types.js';
export type { PeerAddress, PeerLookup, WhereHolder, WhereReport } from './holders.js';
export type { UploadDone, UploadEvent, UploadRow } from './upload-tally.js';

export interface TransferInit {
  store: LocalStore;
  peerId: PeerId;
  /** The mesh view: holders, and where each answers (Catalog.reach). */
  catalog: Catalog;
  onWarning: (msg: string) => void;
  /** Chunk uploads at once (default 8). */
  uploadSlots?: number;
  /** Chunks in flight per holder for the fastest holder (default 8). */
  window?: number;
  stallMs?: number;
  /** Stalls or refusals in a row before a holder is dropped from a download (default 3). */
  maxStrikes?: number;
  /** What the receiver port and every dial speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  /** The name of the peer at `address` whose receiver port is `port` (for the upload rows). */
  requesterName?: (address: string, port: number) => string | undefined;
}

export interface TransferEvents {
  /** What this peer offers changed (partial download progress): publish the catalog again. */
  change: [];
  /** Every download report, one union (the peer forwards it as is). */
  download: [DownloadEvent];
  /** Uploads to other peers: live rows while bytes flow, and one report per requester and file. */
  upload: [UploadEvent];
}

/** What the push recipient (src/push/distributee.ts) feeds and reads. */
export interface PushedDownload {
  /** Verify and store one pushed chunk (a bad one is dropped with a warning, as from any holder). */
  write(index: number, data: Buffer): Promise<void>;
  have(): Bitfield;
  /** The origin's news: other recipients verified these chunks (asked for at once, like catalog holders). */
  hint(news: ReadonlyArray<{ peer: PeerId; add: readonly number[] }>): void;
  /** The push ended: its origin may be asked for chunks like any holder again. */
  release(): void;
}

export class TransferService extends EventEmitter<TransferEvents> {
  readonly source: SeedSource;
  readonly tokens = new TokenTable();
  /** Receive buffers of chunk frames, reused once a download has written a chunk. */
  readonly pool = new ChunkPool();
  /** Read buffers of uploaded chunks, reused once the socket has sent one. */
  readonly sendPool = new ChunkPool();
  /** The connection a manifest came over, kept for that download's session to its holder. */
  readonly spares = new SpareConnections();
  readonly uploads: UploadManager;
  /** Folder downloads (folder-service.ts). */
  readonly folders: FolderService;
  private readonly tally: UploadTally;
  private receiver: ReceiverPort | undefined;
  private readonly catalog: Catalog;
  private readonly lookup: PeerLookup;
  /** Per download: the catalog's view of its file and reach epoch its holders were last computed from. */
  private readonly holdersFrom = new Map<FileId, { view: MeshFile | undefined; reach: number }>();
  private readonly downloads = new Map<FileId, Download>();
  /** Data connections that closed are told to these too (folder downloads' batch holders). */
  private readonly linkWatchers = new Set<(peer: PeerId, address: string) => void>();
  /** Downloads landing in a folder download's tree (fetchInto). */
  private readonly intoFolder = new Set<FileId>();
  private readonly starting = new Set<FileId>();
  /** Push hook: a running push's origin per file, not asked for chunks while it pushes them. */
  private readonly pushOrigins = new Map<FileId, PeerId>();
  private readonly hints = new PushHints();
  /** Single-chunk files asked for while others are under way, fetched in batches (made once the receiver is bound). */
  private small: SmallPulls | undefined;
  /** Files back from a batch on the ordinary path: their start was reported already. */
  private readonly restarted = new Set<FileId>();
  private closed = false;

  /** Single-chunk downloads that came in a batch (for tests). */
  get batchedFiles(): number {
    return this.small?.landed ?? 0;
  }

  constructor(private readonly init: TransferInit) {
    super();
    this.catalog = init.catalog;
    this.lookup = (pid) => init.catalog.reach(pid);
    this.catalog.on('change', this.onCatalog);
    this.source = new SeedSource(init.store, init.peerId);
    this.source.on('change', () => this.emit('change'));
    this.tally = new UploadTally({
      file: (id) => {
        const m = this.source.manifest(id);
        return m && { name: m.name, size: m.size };
      },
      requester: (address, port) => init.requesterName?.(address, port),
    });
    this.tally.on('upload', (e) => this.emit('upload', e));
    this.uploads = new UploadManager({
      selfId: init.peerId,
      source: this.source,
      slots: init.uploadSlots,
      onWarning: init.onWarning,
      pool: this.sendPool,
      security: init.security,
      onSent: (token, bytes) => this.tally.sent(token, bytes),
    });
    this.folders = new FolderService({
      store: init.store,
      catalog: init.catalog,
      tokens: this.tokens,
      lookup: this.lookup,
      receiverPort: () => this.receiver?.port,
      onWarning: init.onWarning,
      emit: (e) => this.emit('download', e),
      fetchInto: (id, name, into) => this.fetchInto(id, name, into),
      watchLinks: (fn) => this.watchLinks(fn),
      security: init.security,
    });
  }

  /** The sender port's extra handlers: chunks.get and chunks.cancel. */
  get senderHandlers(): RequestHandler[] {
    return [chunkRequestHandler(this.uploads, this.source, this.tally)];
  }

  /** Uploads whose requester is still connected, with bytes sent. */
  uploadRows(): UploadRow[] {
    return this.tally.rows();
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
        for (const w of this.linkWatchers) w(peer, address);
      },
      onBytes: (peer, address) => {
        for (const d of this.downloads.values()) d.linkActive(peer, address);
      },
      bodyAllocator: this.pool.take,
      security: this.init.security,
    });
    return this.receiver;
  }

  /** Start (or resume) downloading what `query` names; progress and the end come as events. */
  async download(query: string): Promise<DownloadStart> {
    this.refuseClosed();
    // A folder by name (`docs`, `docs/`) when no file is called that.
    if (query.trim().endsWith('/') || (this.folders.find(query).length > 0 && this.catalog.find(query.trim()).length === 0)) {
      return this.folders.download(query);
    }
    const file = resolveFile(this.catalog, query);
    this.refuseTwice(file.id, chosenName(file, query), file.local);
    // Small files asked for while others are under way go in batches; a lone one takes the full path.
    const batched = this.batchable(file, query) ? this.smallPulls()?.start(file, chosenName(file, query)) : undefined;
    return batched ?? this.startFile(file, query);
  }

  /** The ordinary path: the manifest (or the partial on disk), then a download from every holder. */
  private async startFile(file: MeshFile, query: string): Promise<DownloadStart> {
    this.starting.add(file.id);
    try {
      // A file of one chunk (as the catalog says) never has a partial folder to resume: no look.
      // Should the claim be wrong, open() still resumes what is on disk once the manifest is here.
      const onDisk = file.size <= file.chunkSize ? undefined : await PartialDownload.find(this.init.store.dir, file.id, { warn: this.init.onWarning });
      let manifest: Manifest;
      if (onDisk) manifest = onDisk.manifest;
      else {
        // Conflicting holders too: the manifest is verified against the id, whoever sends it.
        const sources = this.holders({ ...file, holders: [...file.holders, ...file.conflicting] })
          .sort((a, b) => Number(a.have !== 'all') - Number(b.have !== 'all'));
        const fetched = await fetchManifest(
          file.id,
          sources.map((h) => ({ name: h.name, address: h.address, senderPort: h.senderPort, security: this.init.security })),
          undefined,
          undefined,
          (h, conn) => this.spares.put(h.address, h.senderPort, conn),
        );
        manifest = { ...fetched, name: savedName(file, query, fetched.name) };
      }
      return await this.begin(manifest, 'command');
    } finally {
      this.starting.delete(file.id);
    }
  }

  /**
   * Push hook (src/push/): a download of `manifest` fed by the chunks `origin` pushes. The origin is not
   * asked for chunks until release(); the rest comes from the other holders by the normal pull.
   */
  async pushed(manifest: Manifest, origin: { peer: PeerId; name: string }): Promise<PushedDownload> {
    const id = manifest.id;
    if (!this.downloads.has(id)) {
      if (this.starting.has(id)) throw new LanmeshError('BAD_COMMAND', `${manifest.name} is being started already`);
      this.starting.add(id);
      try {
        await this.begin(manifest, 'push', origin.name, origin.peer);
      } finally {
        this.starting.delete(id);
      }
    } else {
      this.pushOrigins.set(id, origin.peer);
      this.holdersFrom.delete(id);
      this.onCatalog();
    }
    const d = this.downloads.get(id)!;
    return {
      write: (index, data) => d.pushed(origin.peer, origin.name, index, data),
      have: () => d.have(),
      hint: (news) => {
        if (this.downloads.get(id) !== d || !this.hints.add(id, d.manifest.hashes.length, news)) return;
        this.refreshHolders(d);
      },
      release: () => {
        if (this.pushOrigins.get(id) !== origin.peer) return;
        this.pushOrigins.delete(id);
        this.holdersFrom.delete(id);
        this.onCatalog();
      },
    };
  }

  /** BAD_COMMAND when `id` is here already or downloading (also checked again after every await of a start). */
  private refuseTwice(id: FileId, name: string, local = false): void {
    if (local || this.init.store.byId(id)) throw new LanmeshError('BAD_COMMAND', `${name} is already here (id ${id.slice(0, 12)})`);
    if (this.small?.has(id)) throw new LanmeshError('BAD_COMMAND', `${name} is already downloading`);
    const running = this.downloads.get(id);
    if (running) throw new LanmeshError('BAD_COMMAND', `${name} is already downloading (${running.progress().percent}%)`);
  }

  where(query: string): WhereReport {
    this.refuseClosed();
    return whereIs(resolveFile(this.catalog, query), this.lookup);
  }

  /** `where` of a folder, or undefined when `query` names no folder (and so is a file's). */
  whereFolder(query: string): FolderWhere | undefined {
    this.refuseClosed();
    if (this.folders.find(query).length === 0) return undefined;
    if (!query.trim().endsWith('/') && this.catalog.find(query.trim()).length > 0) return undefined;
    return this.folders.where(query);
  }

  share(path: string, cwd?: string): Promise<{ file: LocalFile; copied: boolean }> {
    return shareFile(this.init.store, path, cwd);
  }

  /** `share <folder>`: the folder copied into shared/ (or indexed where it is, inside shared/ or downloads/). */
  shareFolder(path: string, cwd = process.cwd()): Promise<SharedFolder> {
    return shareFolder(this.init.store, resolve(cwd, path));
  }

  /** Counters for tests, the bench and logs. */
  stats(): { unknownChunks: number; unexpectedLinks: number; replacedLinks: number; uploaded: UploadManager['stats'] } {
    return {
      unknownChunks: this.receiver?.unknownChunks ?? 0,
      unexpectedLinks: this.receiver?.unexpectedLinks ?? 0,
      replacedLinks: this.receiver?.replacedLinks ?? 0,
      uploaded: { ...this.uploads.stats },
    };
  }

  list(): DownloadProgress[] {
    // A folder's big files are part of its one row.
    const rows = [...this.downloads.values()].filter((d) => !this.intoFolder.has(d.id)).map((d) => d.progress());
    return rows.concat(this.small?.list() ?? [], this.folders.list());
  }

  /**
   * Stops a download for good, running or only left on disk: its partial data is deleted, so it never
   * resumes. A running one ends with a `failed` download event ('cancelled'), so front ends drop its bar.
   */
  async cancel(query: string): Promise<{ id: FileId; name: string; bytesDone: number; running: boolean }> {
    const folder = await this.folders.cancel(query, async (id) => {
      const d = this.downloads.get(id);
      if (d) {
        this.forget(d);
        await d.close();
      }
      await PartialDownload.remove(this.init.store.dir, id);
    });
    if (folder) return { ...folder, id: folder.id as FileId };
    const running = [...this.downloads.values()].map((d) => ({ id: d.id, name: d.manifest.name, d }));
    const onDisk = (await PartialDownload.list(this.init.store.dir, { warn: this.init.onWarning }))
      .filter((p) => !this.downloads.has(p.manifest.id))
      .map((p) => ({ id: p.manifest.id, name: p.manifest.name, d: undefined }));
    const waiting = (this.small?.list() ?? []).map((p) => ({ id: p.id, name: p.name, d: undefined, batched: true }));
    const pick = pickDownload<{ id: FileId; name: string; d: Download | undefined; batched?: boolean }>([...running, ...onDisk, ...waiting], query);
    if (pick.batched && this.small?.remove(pick.id)) {
      this.emit('download', { type: 'failed', failure: { id: pick.id, name: pick.name, error: 'cancelled', cancelled: true } });
      return { id: pick.id, name: pick.name, bytesDone: 0, running: true };
    }
    let bytesDone = 0;
    if (pick.d) {
      bytesDone = pick.d.progress().bytesDone;
      this.forget(pick.d);
      await pick.d.close();
    }
    await PartialDownload.remove(this.init.store.dir, pick.id);
    if (pick.d) this.emit('download', { type: 'failed', failure: { id: pick.id, name: pick.name, error: 'cancelled', cancelled: true } });
    return { id: pick.id, name: pick.name, bytesDone, running: pick.d !== undefined };
  }

  /** Stops every download (verified chunks stay for a resume), the uploads and the receiver port. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.catalog.off('change', this.onCatalog);
    this.folders.close();
    this.small?.close();
    this.spares.close();
    this.tally.close();
    await this.uploads.close();
    await Promise.allSettled([...this.downloads.values()].map((d) => d.close()));
    this.downloads.clear();
    this.source.close();
    await this.receiver?.close();
  }

  private refuseClosed(): void {
    if (this.closed) throw new LanmeshError('IO', 'transfers are not running');
  }

  /**
   * Picks up every partial download on disk (verified chunks are kept; each gets a `start` download event with
   * via 'resume'). Called by the front end once it listens to the events. Idempotent.
   */
  async resumePartials(): Promise<void> {
    // A peer told to leave right after it started (a script's quick exit) has nothing to resume.
    if (this.closed) return;
    // A single-chunk download has nothing to resume: what a crash left of one is only removed.
    for (const id of await PartialDownload.singles(this.init.store.dir)) {
      if (!this.downloads.has(id) && !this.starting.has(id)) await PartialDownload.remove(this.init.store.dir, id).catch(() => undefined);
    }
    // Folders first: the big files of a folder resume inside it, not alone into downloads/.
    const claimed = await this.folders.resume();
    const found = await PartialDownload.list(this.init.store.dir, { warn: this.init.onWarning });
    for (const info of found) {
      const id = info.manifest.id;
      if (this.closed || this.downloads.has(id) || this.starting.has(id) || claimed.has(id)) continue;
      if (this.init.store.byId(id)) {
        // Finished before (a crash between placing the file and deleting the partial): only a leftover.
        await PartialDownload.remove(this.init.store.dir, id).catch((e: unknown) => this.init.onWarning(`cannot delete the leftover partial of ${info.manifest.name}: ${describeError(e)}`));
        continue;
      }
      this.starting.add(id);
      try {
        await this.begin(info.manifest, 'resume');
      } catch (e) {
        if (!this.closed) this.init.onWarning(`cannot resume ${info.manifest.name}: ${describeError(e)}`);
      } finally {
        this.starting.delete(id);
      }
    }
  }

  /** The receiver port (T), once bound. */
  get receiverPort(): number | undefined {
    return this.receiver?.port;
  }

  /** Be told when a holder's data connection closes (its owed chunks will not come); returns the unsubscribe. */
  watchLinks(fn: (peer: PeerId, address: string) => void): () => void {
    this.linkWatchers.add(fn);
    return () => this.linkWatchers.delete(fn);
  }

  /**
   * Folder hook (folder-download.ts): fetch file `id` (its manifest from its holders, or the partial on
   * disk) from every holder, placed in `into.dir` as `name`; reported to `into`, never as a `download` event.
   */
  async fetchInto(id: FileId, name: string, into: IntoFolder): Promise<void> {
    this.refuseClosed();
    if (this.starting.has(id) || this.downloads.has(id)) throw new LanmeshError('BAD_COMMAND', `${name} is already downloading`);
    this.starting.add(id);
    try {
      const onDisk = await PartialDownload.find(this.init.store.dir, id, { warn: this.init.onWarning });
      let manifest: Manifest;
      if (onDisk) manifest = onDisk.manifest;
      else {
        const file = this.meshFile(id);
        if (!file) throw new LanmeshError('NOT_FOUND', `no holder of ${name} is known yet`);
        const sources = this.holders({ ...file, holders: [...file.holders, ...file.conflicting] });
        manifest = await fetchManifest(
          id,
          sources.map((h) => ({ name: h.name, address: h.address, senderPort: h.senderPort, security: this.init.security })),
          undefined,
          undefined,
          (h, conn) => this.spares.put(h.address, h.senderPort, conn),
        );
      }
      await this.begin({ ...manifest, name }, 'command', undefined, undefined, into);
    } finally {
      this.starting.delete(id);
    }
  }

  /** The caller holds `starting` for this id; whatever finished or started meanwhile is checked again here. */
  private async begin(manifest: Manifest, via: DownloadStart['via'], pushedBy?: string, origin?: PeerId, into?: IntoFolder): Promise<DownloadStart> {
    const { store } = this.init;
    const receiverPort = this.receiver?.port;
    if (receiverPort === undefined) throw new LanmeshError('IO', 'the receiver port is not bound');
    if (this.closed) throw new LanmeshError('IO', 'transfers are closing');
    if (!into) this.refuseTwice(manifest.id, manifest.name);
    const pd = await PartialDownload.open(store.dir, manifest, { warn: this.init.onWarning, hasher: store.chunkHasher() });
    try {
      if (this.closed) throw new LanmeshError('IO', 'transfers are closing');
      if (!into) this.refuseTwice(manifest.id, manifest.name);
    } catch (e) {
      await pd.close();
      throw e;
    }
    // The manifest is verified against the id: catalog entries that disagree with it stop counting.
    this.catalog.confirm(manifest.id, manifest);
    const d = new Download({
      partial: pd,
      downloadsDir: into?.dir ?? join(store.dir, 'downloads'),
      tokens: this.tokens,
      receiverPort,
      window: this.init.window,
      stallMs: this.init.stallMs,
      maxStrikes: this.init.maxStrikes,
      onWarning: this.init.onWarning,
      onStored: () => this.source.progressed(),
      onPlace: (path) => store.expect(path),
      adopt: (address, port) => this.spares.take(address, port),
      security: this.init.security,
      pool: this.pool,
    });
    this.downloads.set(d.id, d);
    if (origin) this.pushOrigins.set(d.id, origin);
    this.source.addPartial(pd);
    const name = manifest.name;
    if (into) {
      this.intoFolder.add(d.id);
      d.on('progress', (p) => into.progress(p.bytesDone));
      d.on('dropped', (dropped) => this.emit('download', { type: 'dropped', dropped }));
      d.on('failed', (err) => {
        this.forget(d);
        into.failed(err);
      });
      d.on('done', (summary) => {
        this.forget(d);
        into.done(summary, d.manifest);
      });
      d.setHolders(this.holders(this.meshFile(d.id), manifest));
      const p = d.progress();
      return { id: d.id, name, size: manifest.size, chunks: manifest.hashes.length, kept: pd.have().count(), holders: p.known, via };
    }
    d.on('progress', (progress) => this.emit('download', { type: 'progress', progress }));
    d.on('state', (_s, progress) => this.emit('download', { type: 'state', progress }));
    d.on('dropped', (dropped) => this.emit('download', { type: 'dropped', dropped }));
    d.on('failed', (err) => {
      this.forget(d);
      this.emit('download', { type: 'failed', failure: { id: d.id, name, error: describeError(err) } });
    });
    d.on('done', (summary) => void this.completed(d, summary));
    const holders = this.holdersOf(d);
    const start: DownloadStart = {
      id: d.id,
      name,
      size: manifest.size,
      chunks: manifest.hashes.length,
      kept: pd.have().count(),
      holders: holders.length,
      via,
      ...(pushedBy !== undefined && { pushedBy }),
    };
    // A file back from its batch was announced when it joined the batch: not twice.
    if (!this.restarted.delete(manifest.id)) this.emit('download', { type: 'start', start });
    d.setHolders(holders);
    return start;
  }

  private async completed(d: Download, summary: DownloadSummary): Promise<void> {
    await this.offer(summary.path, d.manifest);
    // Only now: until the store holds the file, `download` again must see it as still running.
    this.forget(d);
    this.emit('download', { type: 'done', summary });
  }

  /** A finished download is offered at once with its verified manifest (a failure is only a warning: the file is there). */
  private async offer(path: string, manifest: Manifest): Promise<void> {
    try {
      await this.init.store.addFile(path, manifest);
    } catch (e) {
      this.init.onWarning(`downloaded ${relative(this.init.store.dir, path)} but cannot offer it yet: ${describeError(e)}`);
    }
  }

  private forget(d: Download): void {
    this.intoFolder.delete(d.id);
    if (this.downloads.get(d.id) === d) {
      this.downloads.delete(d.id);
      this.pushOrigins.delete(d.id);
      this.holdersFrom.delete(d.id);
      this.hints.forget(d.id);
    }
    this.source.removePartial(d.id);
  }

  /** A file of one chunk, while another download is starting or running, or others wait in a batch. */
  private batchable(file: MeshFile, query: string): boolean {
    // An unprintable name is spelt from the manifest's raw name (savedName): the full path fetches it.
    if (file.size === 0 || file.size > file.chunkSize || chosenName(file, query).includes('\uFFFD')) return false;
    if (this.starting.size > 0 || (this.small?.size ?? 0) > 0) return true;
    for (const d of this.downloads.values()) if (d.manifest.hashes.length <= 1 && !this.intoFolder.has(d.id)) return true;
    return false;
  }

  private smallPulls(): SmallPulls | undefined {
    const receiverPort = this.receiver?.port;
    if (this.small || receiverPort === undefined || this.closed) return this.small;
    const small = new SmallPulls({
      tokens: this.tokens,
      security: this.init.security,
      receiverPort,
      store: this.init.store,
      offer: (path, manifest) => this.offer(path, manifest),
      holders: (file) => this.holders(file),
      confirm: (id, shape) => this.catalog.confirm(id, shape),
      emit: (e) => this.emit('download', e),
      onWarning: this.init.onWarning,
      fallback: (pull, why) => this.unbatched(pull, why),
    });
    this.linkWatchers.add((peer, address) => small.linkDown(peer, address));
    this.small = small;
    return small;
  }

  /** A batched file that did not come in its batch: the ordinary path, from the catalog's view now. */
  private unbatched(pull: SmallPull, why: string): void {
    if (this.closed) return;
    log(`${pull.name}: not in its batch (${why}); fetching it on its own`);
    const file = this.catalog.file(pull.file.id) ?? pull.file;
    this.restarted.add(file.id);
    this.startFile(file, pull.name).finally(() => this.restarted.delete(file.id)).catch((e: unknown) => {
      this.emit('download', { type: 'failed', failure: { id: pull.file.id, name: pull.name, error: describeError(e) } });
    });
  }

  private holders(file: MeshFile | undefined, manifest?: Manifest): HolderInfo[] {
    const origin = file && this.pushOrigins.get(file.id);
    const list = remoteHolders(file, this.init.peerId, this.lookup, this.init.onWarning, manifest).filter((h) => h.peer !== origin);
    const id = file?.id ?? manifest?.id;
    if (id === undefined) return list;
    return this.hints.merge(id, list, this.lookup, (p) => p === origin || p === this.init.peerId);
  }

  /** Tells a download its holders now (catalog, push hints); what they came from is noted (see onCatalog). */
  private refreshHolders(d: Download): void {
    try {
      d.setHolders(this.holdersOf(d));
    } catch (e) {
      this.init.onWarning(`download ${d.manifest.name}: holders not updated: ${describeError(e)}`);
    }
  }

  /** A download's holders now, noting what they were computed from (see onCatalog). */
  private holdersOf(d: Download): HolderInfo[] {
    const view = this.meshFile(d.id);
    this.holdersFrom.set(d.id, { view, reach: this.catalog.reachEpoch });
    return this.holders(view, d.manifest);
  }

  /**
   * A catalog listener, run from whatever timer or socket changed the catalog: nothing may throw out
   * of it. Only downloads whose file view or holders' addresses changed are told (new push hints
   * refresh their download directly): with many downloads at once (each finished file changes the
   * catalog), telling every one on every change was O(n²).
   */
  private readonly onCatalog = (): void => {
    if (this.downloads.size === 0 || this.closed) return;
    for (const d of this.downloads.values()) {
      const from = this.holdersFrom.get(d.id);
      if (from && from.reach === this.catalog.reachEpoch && from.view === this.meshFile(d.id)) continue;
      this.refreshHolders(d);
    }
  };

  private meshFile(id: FileId): MeshFile | undefined {
    return this.catalog.file(id);
  }
}
