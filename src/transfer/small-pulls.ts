// Downloads of single-chunk files asked for while others are under way, fetched in batches: each
// holder gets one control connection and `files.get` batches (batch-fetch.ts, as a folder download
// does) instead of a manifest round trip, a session and a connection per file. A file proves itself
// by its id (the id of a one-chunk file is the hash of its one chunk hash), so no manifest is needed.
// Anything unusual (a holder lost or refusing, bytes that are not the file) sends the file back to
// the ordinary download path, which owns retries, failover and the messages users see for them.
import { join } from 'node:path';
import type { MeshFile, FileShape } from '../catalog/mesh-file.js';
import { describeError } from '../errors.js';
import type { FileId, Manifest, PeerId } from '../types.js';
import type { LocalStore } from '../store/local-store.js';
import { buildManifest, computeFileId, sha256Hex } from '../store/manifest.js';
import { PartialDownload } from '../store/partial-download.js';
import { BatchHolder, type BatchHolderInfo, type SmallFile } from './batch-fetch.js';
import type { HolderInfo } from './holder-session.js';
import type { TokenTable } from './tokens.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { DownloadEvent, DownloadProgress, DownloadStart } from './download-types.js';

export interface SmallPullHost {
  tokens: TokenTable;
  security?: SocketSecurity;
  receiverPort: number;
  store: LocalStore;
  /** Offers a finished file (as any finished download is offered). */
  offer(path: string, manifest: Manifest): Promise<void>;
  /** The file's holders now (the ordinary download's list). */
  holders(file: MeshFile): HolderInfo[];
  /** The file's shape is proven (its bytes matched the id). */
  confirm(id: FileId, shape: FileShape): void;
  emit(e: DownloadEvent): void;
  onWarning(message: string): void;
  /** Not fetched in a batch: hand the file to the ordinary download path. */
  fallback(pull: SmallPull, why: string): void;
}

export interface SmallPull {
  file: MeshFile;
  /** The name it is saved under. */
  name: string;
  startedAt: number;
}

/** A holder with nothing left to send is closed after this long (a next batch may come meanwhile). */
const IDLE_CLOSE_MS = 3000;

interface Pending {
  pull: SmallPull;
  want: SmallFile;
  /** The holder it was given to (one: a file not delivered there falls back). */
  holder: PeerId;
  asked: boolean;
}

export class SmallPulls {
  private readonly pending = new Map<FileId, Pending>();
  private readonly holders = new Map<PeerId, { h: BatchHolder; timer: NodeJS.Timeout | undefined }>();
  private closed = false;
  private landedCount = 0;

  constructor(private readonly host: SmallPullHost) {}

  /** Files stored from a batch so far (for tests). */
  get landed(): number {
    return this.landedCount;
  }

  /** True while `id` waits in a batch. */
  has(id: FileId): boolean {
    return this.pending.has(id);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Queues a file of one chunk with a holder of all of it and reports its start; undefined (nothing
   * queued) when no such holder is known.
   */
  start(file: MeshFile, name: string): DownloadStart | undefined {
    if (this.closed || this.pending.has(file.id)) return undefined;
    const all = this.host.holders(file).filter((h) => h.have === 'all');
    // Spread over the holders: the one with the fewest files waiting (the first of equals).
    const waiting = new Map<PeerId, number>();
    for (const p of this.pending.values()) waiting.set(p.holder, (waiting.get(p.holder) ?? 0) + 1);
    const h = all.reduce<HolderInfo | undefined>((best, x) => (best && (waiting.get(best.peer) ?? 0) <= (waiting.get(x.peer) ?? 0) ? best : x), undefined);
    if (!h) return undefined;
    const info: BatchHolderInfo = { peer: h.peer, name: h.name, address: h.address, senderPort: h.senderPort };
    const want: SmallFile = { path: name, id: file.id, size: file.size, chunkSize: file.chunkSize };
    this.pending.set(file.id, { pull: { file, name, startedAt: Date.now() }, want, holder: info.peer, asked: false });
    const start: DownloadStart = { id: file.id, name, size: file.size, chunks: 1, kept: 0, holders: all.length, via: 'command' };
    this.host.emit({ type: 'start', start });
    this.holderFor(info).kick();
    return start;
  }

  /** Rows for the files waiting in a batch. */
  list(): DownloadProgress[] {
    return [...this.pending.values()].map(({ pull: { file, name } }) => ({
      id: file.id, name, size: file.size, chunks: 1, chunksDone: 0, bytesDone: 0, percent: 0, rate: 0, holders: 1, known: 1, state: 'running',
    }));
  }

  /** Takes a waiting file out (cancel); true when it was waiting. */
  remove(id: FileId): boolean {
    return this.pending.delete(id);
  }

  /** A data connection from `peer` closed: what it owed will not come. */
  linkDown(peer: PeerId, address: string): void {
    this.holders.get(peer)?.h.linkDown(peer, address);
  }

  close(): void {
    this.closed = true;
    for (const { h, timer } of this.holders.values()) {
      clearTimeout(timer);
      h.close();
    }
    this.holders.clear();
    this.pending.clear();
  }

  private holderFor(info: BatchHolderInfo): BatchHolder {
    const known = this.holders.get(info.peer);
    if (known) {
      clearTimeout(known.timer);
      known.timer = undefined;
      return known.h;
    }
    const h = new BatchHolder(info, {
      tokens: this.host.tokens,
      security: this.host.security,
      receiverPort: this.host.receiverPort,
      take: (maxFiles, maxBytes) => this.take(info.peer, maxFiles, maxBytes),
      giveBack: (files) => this.fallBack(files, `${info.name} did not send it`),
      deliver: (_h, f, data) => this.deliver(info, f, data),
      onDropped: (_h, why) => this.dropped(info, why),
    });
    this.holders.set(info.peer, { h, timer: undefined });
    h.start();
    return h;
  }

  private take(peer: PeerId, maxFiles: number, maxBytes: number): SmallFile[] {
    const out: SmallFile[] = [];
    let bytes = 0;
    for (const p of this.pending.values()) {
      if (out.length >= maxFiles || (out.length > 0 && bytes + p.want.size > maxBytes)) break;
      if (p.holder !== peer || p.asked) continue;
      p.asked = true;
      out.push(p.want);
      bytes += p.want.size;
    }
    if (out.length === 0) this.closeWhenIdle(peer);
    return out;
  }

  private async deliver(info: BatchHolderInfo, f: SmallFile, data: Buffer): Promise<boolean> {
    const p = this.pending.get(f.id);
    if (!p || p.holder !== info.peer) return true; // cancelled meanwhile: nothing to store
    const hash = sha256Hex(data);
    if (data.length !== f.size || computeFileId(data.length, f.chunkSize, [hash]) !== f.id) {
      this.pending.delete(f.id);
      this.host.fallback(p.pull, `${info.name} sent bytes that are not ${f.path}`);
      return false;
    }
    try {
      await this.land(p.pull, data, hash, info);
    } catch (e) {
      this.host.onWarning(`${p.pull.name}: cannot store what ${info.name} sent: ${describeError(e)}`);
      if (this.pending.get(f.id) === p) {
        this.pending.delete(f.id);
        this.host.fallback(p.pull, describeError(e));
      }
    }
    return true;
  }

  /** Verified bytes in hand: placed as a finished download (never over a file), offered, reported. */
  private async land(pull: SmallPull, data: Buffer, hash: string, from: BatchHolderInfo): Promise<void> {
    const { store } = this.host;
    const manifest = buildManifest(pull.name, data.length, pull.file.chunkSize, [hash]);
    this.host.confirm(manifest.id, manifest);
    const pd = await PartialDownload.open(store.dir, manifest, { warn: this.host.onWarning });
    let path: string;
    try {
      await pd.writeChunk(0, data);
      path = await pd.complete(join(store.dir, 'downloads'), (target) => store.expect(target));
    } finally {
      await pd.close();
    }
    await this.host.offer(path, manifest);
    // Only now (as for any download): until the store holds it, `download` again must see it running.
    this.pending.delete(manifest.id);
    this.landedCount++;
    const ms = Math.max(1, Date.now() - pull.startedAt);
    this.host.emit({
      type: 'done',
      summary: {
        id: manifest.id, name: pull.name, path, size: data.length, ms, rate: (data.length * 1000) / ms,
        shares: [{ peer: from.peer, name: from.name, bytes: data.length, chunks: 1 }], kept: 0, fetched: 1, refetched: 0, duplicates: 0, dropped: [],
      },
    });
  }

  private fallBack(files: SmallFile[], why: string): void {
    for (const f of files) {
      const p = this.pending.get(f.id);
      if (!p) continue;
      this.pending.delete(f.id);
      this.host.fallback(p.pull, why);
    }
  }

  private dropped(info: BatchHolderInfo, why: string): void {
    const known = this.holders.get(info.peer);
    if (known) clearTimeout(known.timer);
    this.holders.delete(info.peer);
    // Whatever it still had queued (not asked yet) goes the ordinary way too.
    this.fallBack([...this.pending.values()].filter((p) => p.holder === info.peer).map((p) => p.want), `${info.name}: ${why}`);
  }

  private closeWhenIdle(peer: PeerId): void {
    const known = this.holders.get(peer);
    if (!known || known.timer || !known.h.idle) return;
    known.timer = setTimeout(() => {
      if (this.holders.get(peer) !== known || !known.h.idle || [...this.pending.values()].some((p) => p.holder === peer)) {
        known.timer = undefined;
        return;
      }
      this.holders.delete(peer);
      known.h.close();
    }, IDLE_CLOSE_MS);
    known.timer.unref();
  }
}
