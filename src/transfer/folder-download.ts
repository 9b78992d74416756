// One folder download: the folder's files fetched into a partial tree (.lanmesh/folders/<id>/tree),
// small files in batches from every holder at once (batch-fetch.ts), big ones as ordinary chunked
// downloads landing in the tree, files this peer already holds copied instead of fetched; once every
// file is there and verified, the tree moves into downloads/ in one rename and each file is offered.
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { LocalStore } from '../store/local-store.js';
import { FolderPartial, type FolderEntry } from '../store/folder-partial.js';
import { computeFileId } from '../store/manifest.js';
import { asFileId, type FileId, type Manifest, type PeerId } from '../types.js';
import { describeError } from '../errors.js';
import { logger } from '../log.js';
import { BatchHolder, type SmallFile } from './batch-fetch.js';
import { RateMeter } from './rate-meter.js';
import type { TokenTable } from './tokens.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { PeerLookup } from './holders.js';
import type { DownloadEvent, DownloadProgress, DownloadStart, DownloadState, DownloadSummary, HolderShare } from './download-types.js';
import type { IntoFolder } from './download-types.js';

export interface FolderHost {
  store: LocalStore;
  catalog: Catalog;
  tokens: TokenTable;
  receiverPort: number;
  lookup: PeerLookup;
  /** Where the finished folder goes (downloads/). */
  downloadsDir: string;
  onWarning(m: string): void;
  emit(e: DownloadEvent): void;
  fetchInto(id: FileId, name: string, into: IntoFolder): Promise<void>;
  watchLinks(fn: (peer: PeerId, address: string) => void): () => void;
  security?: SocketSecurity;
  /** Finished or failed for good: the owner forgets it. */
  ended(d: FolderDownload): void;
}

const log = logger('folder');
const PROGRESS_MS = 1000;
const BIG_RETRY_MS = 2000;

export class FolderDownload {
  state: DownloadState = 'connecting';
  private readonly files: FolderEntry[];
  private readonly done = new Set<string>();
  private readonly hashes = new Map<string, string[]>();
  /** id → paths of this folder waiting for another path with the same id to be done, then copied from it. */
  private readonly copies = new Map<FileId, FolderEntry[]>();
  private readonly primary = new Map<FileId, FolderEntry>();
  private queue: SmallFile[] = [];
  private readonly big: FolderEntry[] = [];
  private readonly bigRunning = new Map<FileId, number>();
  private readonly holders = new Map<PeerId, BatchHolder>();
  private readonly dropped = new Set<PeerId>();
  private readonly bigShares = new Map<PeerId, HolderShare>();
  private readonly meter = new RateMeter();
  private readonly started = Date.now();
  private bytesDone = 0;
  private fetchedBytes = 0;
  private fetchedFiles = 0;
  private keptFiles = 0;
  private copiedFiles = 0;
  private savedBytes = 0;
  /** Chunks of big files fetched again although verified on disk (a resume must keep this 0). */
  private refetched = 0;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private finishing = false;
  private closed = false;

  constructor(private readonly host: FolderHost, private readonly partial: FolderPartial) {
    this.files = partial.state.files;
  }

  get id(): string {
    return this.partial.state.id;
  }

  get name(): string {
    return this.partial.state.name;
  }

  get size(): number {
    return this.files.reduce((n, f) => n + f.size, 0);
  }

  /** Sorts every file into kept, copied, batched or big; then starts fetching. */
  async start(via: DownloadStart['via']): Promise<DownloadStart> {
    for (const f of this.files) {
      const first = this.primary.get(f.id);
      if (first) {
        if (this.done.has(first.path)) await this.copyFrom(f, this.partial.pathOf(first.path));
        else this.copies.set(f.id, [...(this.copies.get(f.id) ?? []), f]);
        continue;
      }
      this.primary.set(f.id, f);
      const kept = await this.partial.holds(f);
      if (kept) {
        this.keptFiles++;
        this.markDone(f, f.size, kept.hashes);
        continue;
      }
      const local = this.host.store.byId(f.id);
      if (local) {
        await this.copyFrom(f, local.path, local.manifest.hashes);
        continue;
      }
      if (f.size === 0) {
        await this.partial.write(f.path, Buffer.alloc(0));
        this.fetchedFiles++;
        this.markDone(f, 0, []);
      } else if (f.size <= f.chunkSize) this.queue.push(f);
      else this.big.push(f);
    }
    this.unwatch = this.host.watchLinks((peer, address) => {
      for (const h of this.holders.values()) h.linkDown(peer, address);
    });
    this.host.catalog.on('change', this.onCatalog);
    this.timer = setInterval(() => this.report(), PROGRESS_MS);
    this.timer.unref();
    const start: DownloadStart = {
      id: asFileId(this.id),
      name: `${this.name}/`,
      size: this.size,
      chunks: this.files.length,
      kept: this.keptFiles,
      holders: this.remoteHolders().length,
      via,
      folder: { files: this.files.length, kept: this.keptFiles, copied: this.copiedFiles, savedBytes: this.savedBytes },
    };
    this.host.emit({ type: 'start', start });
    log('%s/: sorted %d files in %d ms: %d kept, %d copied, %d batched, %d big', this.name, this.files.length, Date.now() - this.started, this.keptFiles, this.copiedFiles, this.queue.length, this.big.length);
    this.onCatalog();
    this.checkComplete();
    return start;
  }

  progress(): DownloadProgress {
    const size = this.size;
    const bytesDone = this.bytesDone + [...this.bigRunning.values()].reduce((n, b) => n + b, 0);
    return {
      id: asFileId(this.id),
      name: `${this.name}/`,
      size,
      chunks: this.files.length,
      chunksDone: this.done.size,
      bytesDone,
      percent: size === 0 ? 100 : Math.floor((bytesDone / size) * 1000) / 10,
      rate: this.meter.rate(),
      holders: Math.max([...this.holders.values()].filter((h) => !h.idle).length, this.bigRunning.size > 0 ? 1 : 0),
      known: this.holders.size,
      state: this.state,
      folder: { files: this.files.length, filesDone: this.done.size },
    };
  }

  /** Stops for good (what is in the tree stays for a resume). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'closed';
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.unwatch?.();
    this.host.catalog.off('change', this.onCatalog);
    for (const h of this.holders.values()) h.close();
    this.holders.clear();
  }

  /**
   * Every peer that can send some file still missing: the folder's holders, and the holders of each
   * missing small file (so a folder whose tree changed meanwhile, or a peer holding only some of its
   * files, still serves what it has).
   */
  private remoteHolders(): { peer: PeerId; name: string; address: string; senderPort: number }[] {
    const out = new Map<PeerId, { peer: PeerId; name: string; address: string; senderPort: number }>();
    const add = (peer: PeerId, name: string) => {
      if (out.has(peer) || this.dropped.has(peer)) return;
      const reach = this.host.lookup(peer);
      if (reach) out.set(peer, { peer, name, address: reach.address, senderPort: reach.ports.sender });
    };
    const folder = this.host.catalog.folders().find((f) => f.id === this.id);
    for (const h of folder?.holders ?? []) if (!h.local) add(h.peer, h.peerName);
    for (const f of this.queue) {
      for (const h of this.host.catalog.file(f.id)?.holders ?? []) if (!h.local && h.have === undefined) add(h.peer, h.peerName);
    }
    return [...out.values()];
  }

  /** True when `peer` lists the whole of file `f`. */
  private holds(peer: PeerId, f: SmallFile): boolean {
    return this.host.catalog.file(f.id)?.holders.some((h) => h.peer === peer && h.have === undefined) === true;
  }

  /** A catalog listener: nothing may throw out of it. */
  private readonly onCatalog = (): void => {
    if (this.closed || this.finishing) return;
    try {
      const now = this.remoteHolders();
      const ids = new Set(now.map((h) => h.peer));
      for (const [peer, h] of this.holders) {
        if (!ids.has(peer)) {
          h.close();
          this.holders.delete(peer);
        }
      }
      for (const info of now) {
        if (this.holders.has(info.peer) || this.queue.length === 0) continue;
        const h = new BatchHolder(info, {
          security: this.host.security,
          tokens: this.host.tokens,
          receiverPort: this.host.receiverPort,
          take: (n, bytes) => this.take(info.peer, n, bytes),
          giveBack: (files) => this.giveBack(files),
          deliver: (bh, f, data) => this.deliver(bh, f, data),
          onDropped: (bh, why) => {
            this.dropped.add(bh.info.peer);
            this.holders.delete(bh.info.peer);
            this.host.onWarning(`download ${this.name}/: dropped ${bh.info.name} from this download: it ${why}`);
          },
        });
        this.holders.set(info.peer, h);
        h.start();
      }
      this.startBig();
      this.setState();
    } catch (e) {
      this.host.onWarning(`download ${this.name}/: holders not updated: ${describeError(e)}`);
    }
  };

  private setState(): void {
    const next: DownloadState = this.holders.size > 0 || this.bigRunning.size > 0 ? 'running' : 'waiting';
    if (next !== this.state && !this.finishing) {
      this.state = next;
      this.host.emit({ type: 'state', progress: this.progress() });
    }
  }

  /** The next files `peer` holds, taken off the queue (the rest stay, in order, for the others). */
  private take(peer: PeerId, maxFiles: number, maxBytes: number): SmallFile[] {
    const out: SmallFile[] = [];
    const rest: SmallFile[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < this.queue.length && out.length < maxFiles && bytes < maxBytes; i++) {
      const f = this.queue[i]!;
      if (this.done.has(f.path)) continue;
      if (!this.holds(peer, f)) {
        rest.push(f);
        continue;
      }
      out.push(f);
      bytes += f.size;
    }
    this.queue = rest.concat(this.queue.slice(i));
    return out;
  }

  private giveBack(files: SmallFile[]): void {
    this.queue.unshift(...files.filter((f) => !this.done.has(f.path)));
    if (this.closed) return;
    setImmediate(() => {
      for (const h of this.holders.values()) h.kick();
      if (this.holders.size === 0) this.onCatalog();
    });
  }

  /** A small file's bytes from a holder: checked against its id, then written at its path. */
  private async deliver(h: BatchHolder, f: SmallFile, data: Buffer): Promise<boolean> {
    if (this.closed || this.done.has(f.path)) return true;
    const hash = createHash('sha256').update(data).digest('hex');
    if (data.length !== f.size || computeFileId(data.length, f.chunkSize, [hash]) !== f.id) {
      this.giveBack([f]);
      return false;
    }
    try {
      await this.partial.write(f.path, data);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        this.host.onWarning(`download ${this.name}/: cannot write ${f.path}: ${describeError(e)}`);
        this.giveBack([f]);
        return true;
      }
    }
    if (this.closed || this.done.has(f.path)) return true;
    this.fetchedFiles++;
    this.fetchedBytes += f.size;
    this.meter.add(f.size);
    const share = this.sharesOfBatches.get(h.info.peer);
    if (share) {
      share.bytes += f.size;
      share.chunks++;
    } else this.sharesOfBatches.set(h.info.peer, { peer: h.info.peer, name: h.info.name, bytes: f.size, chunks: 1 });
    this.markDone(f, f.size, [hash]);
    return true;
  }

  private startBig(): void {
    if (this.closed || this.finishing) return;
    for (const f of this.big) {
      if (this.done.has(f.path) || this.bigRunning.has(f.id)) continue;
      if (!this.host.catalog.file(f.id)?.holders.some((h) => !h.local)) continue;
      this.bigRunning.set(f.id, 0);
      void this.fetchBig(f);
    }
  }

  private async fetchBig(f: FolderEntry): Promise<void> {
    let last = 0;
    const retry = (e: Error) => {
      this.bigRunning.delete(f.id);
      if (this.closed) return;
      this.host.onWarning(`download ${this.name}/: ${f.path}: ${describeError(e)}; trying again`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.startBig(), BIG_RETRY_MS);
      this.retryTimer.unref();
    };
    try {
      await this.host.fetchInto(f.id, posix.basename(f.path), {
        dir: await this.partial.dirFor(f.path),
        progress: (bytes) => {
          this.meter.add(Math.max(0, bytes - last));
          last = bytes;
          if (this.bigRunning.has(f.id)) this.bigRunning.set(f.id, bytes);
        },
        done: (summary: DownloadSummary, manifest: Manifest) => {
          this.bigRunning.delete(f.id);
          if (this.closed) return;
          this.refetched += summary.refetched;
          for (const s of summary.shares) {
            const known = this.bigShares.get(s.peer);
            if (known) known.bytes += s.bytes;
            else this.bigShares.set(s.peer, { ...s });
          }
          this.fetchedFiles++;
          this.fetchedBytes += f.size;
          this.markDone(f, f.size, manifest.hashes);
        },
        failed: retry,
      });
    } catch (e) {
      retry(e as Error);
    }
  }

  private async copyFrom(f: FolderEntry, from: string, hashes?: string[]): Promise<void> {
    try {
      await this.partial.copyIn(f.path, from);
    } catch (e) {
      this.host.onWarning(`download ${this.name}/: ${describeError(e)}; fetching ${f.path} instead`);
      if (f.size <= f.chunkSize) this.queue.push(f);
      else this.big.push(f);
      return;
    }
    this.copiedFiles++;
    this.savedBytes += f.size;
    this.markDone(f, f.size, hashes);
  }

  private markDone(f: FolderEntry, bytes: number, hashes?: string[]): void {
    if (this.done.has(f.path)) return;
    this.done.add(f.path);
    this.bytesDone += bytes;
    if (hashes) this.hashes.set(f.path, hashes);
    const waiting = this.copies.get(f.id);
    if (waiting) {
      this.copies.delete(f.id);
      for (const w of waiting) void this.copyFrom(w, this.partial.pathOf(f.path), hashes).then(() => this.checkComplete());
    }
    this.checkComplete();
  }

  private checkComplete(): void {
    if (this.finishing || this.closed || this.done.size < this.files.length) return;
    this.finishing = true;
    void this.finish();
  }

  private async finish(): Promise<void> {
    this.state = 'verifying';
    log('%s/: every file here %d ms after the start', this.name, Date.now() - this.started);
    for (const h of this.holders.values()) h.close();
    this.holders.clear();
    const { store } = this.host;
    try {
      const dir = await this.partial.finish(this.host.downloadsDir, this.name, (d) => {
        for (const f of this.files) store.expect(join(d, ...f.path.split('/')));
      });
      // Complete and in place: said at once. Then offered, with what was verified on arrival (no second
      // hashing); until then it stays registered, so `download` again says it is already here or running.
      log('%s/: moved %d ms after the start', this.name, Date.now() - this.started);
      this.close();
      this.state = 'done';
      this.host.emit({ type: 'done', summary: this.summary(dir) });
      if (this.host.downloadsDir === join(store.dir, 'downloads')) await this.offer(dir);
      log('%s/: offered %d ms after the start', this.name, Date.now() - this.started);
      this.host.ended(this);
    } catch (e) {
      this.close();
      this.state = 'failed';
      this.host.ended(this);
      this.host.emit({ type: 'failed', failure: { id: asFileId(this.id), name: `${this.name}/`, error: describeError(e) } });
    }
  }

  /** Every file of the finished folder offered, 16 at a time; stops quietly when the folder was moved away (a one-shot's --out). */
  private async offer(dir: string): Promise<void> {
    const { store } = this.host;
    let gone = false;
    const one = async (f: FolderEntry) => {
      const h = this.hashes.get(f.path);
      const manifest = h && h.length === Math.ceil(f.size / f.chunkSize)
        ? { id: f.id, name: posix.basename(f.path), size: f.size, chunkSize: f.chunkSize, hashes: h }
        : undefined;
      try {
        await store.addFile(join(dir, ...f.path.split('/')), manifest);
      } catch (e) {
        if (!(await lstat(dir).catch(() => undefined))) gone = true;
        else this.host.onWarning(`downloaded ${f.path} but cannot offer it yet: ${describeError(e)}`);
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (!gone && next < this.files.length) await one(this.files[next++]!);
    }));
  }

  private summary(path: string): DownloadSummary {
    const ms = Date.now() - this.started;
    const shares = new Map([...this.bigShares].map(([k, v]) => [k, { ...v }]));
    for (const [peer, h] of this.sharesOfBatches) {
      const known = shares.get(peer);
      if (known) {
        known.bytes += h.bytes;
        known.chunks += h.chunks;
      } else shares.set(peer, { ...h });
    }
    return {
      id: asFileId(this.id),
      name: `${this.name}/`,
      path,
      size: this.size,
      ms,
      rate: ms > 0 ? (this.fetchedBytes / ms) * 1000 : 0,
      shares: [...shares.values()].sort((a, b) => b.bytes - a.bytes),
      kept: this.keptFiles,
      fetched: this.fetchedFiles,
      refetched: this.refetched,
      duplicates: 0,
      dropped: [],
      folder: {
        files: this.files.length,
        fetchedFiles: this.fetchedFiles,
        keptFiles: this.keptFiles,
        copiedFiles: this.copiedFiles,
        savedBytes: this.savedBytes,
      },
    };
  }

  /** What each batch holder delivered, kept after the holder closes. */
  private readonly sharesOfBatches = new Map<PeerId, HolderShare>();

  /** A progress report while something moves (at most once a second), as a file download does. */
  private report(): void {
    if (this.closed || this.finishing) return;
    const p = this.progress();
    const key = `${p.bytesDone}/${this.done.size}`;
    if (key === this.lastReport) return;
    this.lastReport = key;
    this.host.emit({ type: 'progress', progress: p });
  }

  private lastReport = '';
}
