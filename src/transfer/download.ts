// One multi-source download: drives the pure Scheduler over one HolderSession per holder, verifies
// and stores every chunk (PartialDownload), drops holders that send bad data, and completes atomically.
import { EventEmitter } from 'node:events';
import { Bitfield } from '../store/bitfield.js';
import { ChunkMismatchError, type PartialDownload } from '../store/partial-download.js';
import type { ChunkIndex, FileId, Manifest, PeerId } from '../types.js';
import { LanmeshError, describeError, isLanmeshError } from '../errors.js';
import { Scheduler } from './scheduler.js';
import { HolderSession, type HolderInfo, type SessionHooks } from './holder-session.js';
import type { TokenTable } from './tokens.js';
import { DownloadTally } from './download-tally.js';
import type { ChunkPool } from './chunk-pool.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { FramedConnection } from '../wire/connection.js';
import { HolderStanding } from './holder-standing.js';
import type { DownloadProgress, DownloadState, DownloadSummary, DroppedHolder, HolderShare } from './download-types.js';

export interface DownloadInit {
  partial: PartialDownload;
  downloadsDir: string;
  tokens: TokenTable;
  receiverPort: number;
  /** A chunk was stored (partial seeding publishes the new bitfield). */
  onStored?: () => void;
  /** An open control connection to a holder (the one its manifest came over), taken instead of a dial. */
  adopt?: (address: string, senderPort: number) => FramedConnection | undefined;
  /** What dials to holders speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  /** The finished file is about to appear at this path (the store then expects it). */
  onPlace?: (path: string) => void;
  /** Receive buffers: a chunk's buffer goes back once the chunk is written (nothing else holds it). */
  pool?: ChunkPool;
  /** Chunks in flight for the fastest holder (default 8). */
  window?: number;
  /** A holder with requests outstanding and no data for this long is dropped and redialled (default 20 s). */
  stallMs?: number;
  /** Stalls, refusals and chunk.missing replies in a row (no verified chunk between) before a holder is dropped (default 3). */
  maxStrikes?: number;
  /** Something a holder sent could not be used (it is dropped from this download). */
  onWarning?: (msg: string) => void;
  now?: () => number;
}

export interface DownloadEvents {
  progress: [DownloadProgress];
  state: [DownloadState, DownloadProgress];
  dropped: [DroppedHolder];
  done: [DownloadSummary];
  failed: [Error];
}

const TICK_MS = 1000;

/**
 * The state machine: every change goes through moveTo(), which refuses any move not listed here.
 * verifying starts when the last chunk is stored (no more requests); damaged chunks found by the
 * whole-file check send it back to connecting. done, failed and closed are final.
 */
const MOVES: Record<DownloadState, readonly DownloadState[]> = {
  connecting: ['running', 'waiting', 'verifying', 'failed', 'closed'],
  running: ['connecting', 'waiting', 'verifying', 'failed', 'closed'],
  waiting: ['connecting', 'running', 'verifying', 'failed', 'closed'],
  verifying: ['done', 'connecting', 'failed', 'closed'],
  done: [],
  failed: [],
  closed: [],
};

export class Download extends EventEmitter<DownloadEvents> {
  readonly manifest: Manifest;
  private readonly partial: PartialDownload;
  private sched: Scheduler;
  private readonly sessions = new Map<PeerId, HolderSession>();
  private readonly standing: HolderStanding;
  private readonly writing = new Map<ChunkIndex, Promise<boolean>>();
  private readonly tally: DownloadTally;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private readonly hooks: SessionHooks;
  /** Holders of the last run, should complete() send the download back to work. */
  private parked: HolderInfo[] = [];
  private st: DownloadState = 'connecting';
  private lastReported = -1;
  /** What a push's origin sent (the distributee port), for the summary: the scheduler never asked it. */
  private readonly pushers = new Map<PeerId, HolderShare>();

  constructor(private readonly init: DownloadInit) {
    super();
    this.partial = init.partial;
    this.manifest = init.partial.manifest;
    this.now = init.now ?? Date.now;
    this.standing = new HolderStanding(init.maxStrikes ?? 3);
    this.tally = new DownloadTally(this.manifest, init.partial.have(), this.now);
    this.sched = this.newScheduler();
    this.hooks = this.makeHooks();
    this.startTimer();
    queueMicrotask(() => {
      if (this.sched.isDone()) void this.finish();
    });
  }

  get id(): FileId {
    return this.manifest.id;
  }

  get state(): DownloadState {
    return this.st;
  }

  /** The holders the mesh knows now (from the catalog). New ones are dialled; missing ones dropped. */
  setHolders(list: HolderInfo[]): void {
    if (this.isOver()) return;
    const seen = new Set<PeerId>();
    for (const info of list) {
      if (info.have !== 'all' && info.have.length !== this.manifest.hashes.length) {
        this.init.onWarning?.(`${info.name} offers ${info.have.length} chunks of ${this.manifest.name}, which has ${this.manifest.hashes.length}; ignored`);
        continue;
      }
      seen.add(info.peer);
      if (this.standing.isOut(info.peer)) continue;
      const s = this.sessions.get(info.peer);
      if (!s) {
        this.tally.named(info.peer, info.name);
        const fresh = new HolderSession(info, this.hooks);
        this.sessions.set(info.peer, fresh);
        fresh.start();
        continue;
      }
      const moved = s.info.address !== info.address || s.info.senderPort !== info.senderPort;
      s.info = info;
      if (moved) s.lose(`moved to ${info.address}:${info.senderPort}`);
      else if (s.state === 'ready') this.sched.updateHolder(info.peer, info.have);
    }
    for (const [peer, s] of this.sessions) {
      if (seen.has(peer)) continue;
      this.sessions.delete(peer);
      s.close();
      this.sched.removeHolder(peer);
    }
    for (const peer of this.standing.forgiveAbsent(seen)) this.sched.pardon(peer);
    this.pump();
  }

  /** A chunk pushed to us by `from` (push origin): verified and stored exactly like a pulled one. */
  async pushed(from: PeerId, name: string, index: ChunkIndex, data: Buffer): Promise<void> {
    if (index >= this.manifest.hashes.length || this.isOver()) return;
    if (!this.pushers.has(from)) this.pushers.set(from, { peer: from, name, bytes: 0, chunks: 0 });
    await this.accept(from, index, data);
  }

  /** The verified chunks held now (a copy). */
  have(): Bitfield {
    return this.tally.done.clone();
  }

  /** A seeder's data connection closed: re-queue what it still owed us. */
  linkDown(peer: PeerId, address: string): void {
    const s = this.sessions.get(peer);
    if (!s || s.info.address !== address) return;
    for (const i of s.abandonOutstanding()) this.sched.onFailure(peer, i);
    this.pump();
  }

  progress(): DownloadProgress {
    const inUse = [...this.sessions.values()].filter((s) => s.state === 'ready' && s.inFlight > 0).length;
    return this.tally.progress(this.st, inUse, this.sessions.size);
  }

  /** Stop without finishing (the peer is stopping): verified chunks stay on disk for a resume. */
  async close(): Promise<void> {
    if (!this.moveTo('closed')) return;
    this.stopSessions();
    await Promise.allSettled(this.writing.values());
    await this.partial.close();
  }

  /**
   * Every hook runs on network input: whatever it throws drops that holder (with a warning) and never
   * escapes into the socket or timer callback that called it.
   */
  private makeHooks(): SessionHooks {
    const guard = <A extends unknown[]>(fn: (s: HolderSession, ...a: A) => void) => (s: HolderSession, ...a: A): void => {
      try {
        fn(s, ...a);
      } catch (e) {
        this.init.onWarning?.(`download ${this.manifest.name}: ${s.info.name} dropped: ${describeError(e)}`);
        this.dropHolder(s.peer, `sent something unusable: ${describeError(e)}`);
      }
    };
    return {
      fileId: this.manifest.id,
      receiverPort: this.init.receiverPort,
      tokens: this.init.tokens,
      now: () => this.now(),
      adopt: this.init.adopt,
      security: this.init.security,
      onReady: guard((s) => {
        this.sched.addHolder(s.peer, s.info.have);
        this.pump();
      }),
      onLost: guard((s, why: string, refused: boolean) => {
        this.sched.removeHolder(s.peer);
        if (refused) this.strike(s.peer, why);
        this.pump();
      }),
      onChunk: guard((s, index: ChunkIndex, data: Buffer) => void this.accept(s.peer, index, data)),
      onMissing: guard((s, index: ChunkIndex) => {
        // It lacks that chunk after all: never ask it again (until the catalog says otherwise).
        this.sched.onFailure(s.peer, index);
        const have = s.info.have === 'all' ? Bitfield.full(this.manifest.hashes.length) : s.info.have.clone();
        have.clear(index);
        s.info = { ...s.info, have };
        this.sched.updateHolder(s.peer, have);
        if (!this.strike(s.peer, `does not have chunk ${index} it offered`)) this.pump();
      }),
      onBusy: guard((s, chunks: ChunkIndex[]) => {
        for (const i of chunks) this.sched.onFailure(s.peer, i);
        s.pausedUntil = this.now() + TICK_MS;
      }),
    };
  }

  /** One more strike against a holder; at maxStrikes it is dropped until the catalog stops listing it. True when dropped. */
  private strike(peer: PeerId, why: string): boolean {
    if (this.isOver()) return false;
    const n = this.standing.strike(peer);
    if (n === undefined) return false;
    this.dropHolder(peer, `${why} (${n} times in a row, no chunk delivered in between)`, false);
    return true;
  }

  private startTimer(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private newScheduler(): Scheduler {
    return new Scheduler({ chunkCount: this.manifest.hashes.length, have: this.tally.done, perHolderWindow: this.init.window });
  }

  /** True when the move is allowed (and made). */
  private moveTo(next: DownloadState): boolean {
    if (!MOVES[this.st].includes(next)) return false;
    this.st = next;
    return true;
  }

  /** No more requests: the whole file is being checked, or the download ended. */
  private isOver(): boolean {
    return this.st === 'verifying' || MOVES[this.st].length === 0;
  }

  /** Request work from every holder that has room (the scheduler's driver contract: after every event). */
  private pump(): void {
    if (this.isOver()) return;
    const now = this.now();
    for (const s of this.sessions.values()) {
      if (s.state !== 'ready' || s.pausedUntil > now) continue;
      const picks = this.sched.next(s.peer, now);
      if (picks.length > 0) s.request(picks);
    }
    this.updateState();
  }

  private async accept(peer: PeerId, index: ChunkIndex, data: Buffer): Promise<void> {
    this.tally.arrived(index);
    for (;;) {
      if (this.isOver()) return;
      if (this.tally.done.has(index)) {
        this.tally.duplicate();
        this.sched.onChunk(peer, index, data.length, this.now());
        this.pump();
        return;
      }
      const w = this.writing.get(index);
      if (!w) break;
      await w;
    }
    const w = this.store(peer, index, data);
    this.writing.set(index, w);
    await w;
    if (this.writing.get(index) === w) this.writing.delete(index);
  }

  /** Verify and write one chunk; true when stored. Never rejects. */
  private async store(peer: PeerId, index: ChunkIndex, data: Buffer): Promise<boolean> {
    try {
      await this.partial.writeChunk(index, data);
      this.init.pool?.give(data);
    } catch (e) {
      if (e instanceof ChunkMismatchError) this.dropHolder(peer, `sent chunk ${index}, which failed verification`);
      else if (!this.isOver()) this.fail(e);
      return false;
    }
    if (this.isOver()) return true;
    this.tally.stored(index, data.length);
    const pusher = this.pushers.get(peer);
    if (pusher) {
      pusher.chunks++;
      pusher.bytes += data.length;
    }
    this.standing.delivered(peer);
    const { duplicateOf } = this.sched.onChunk(peer, index, data.length, this.now());
    for (const other of duplicateOf ?? []) this.sessions.get(other as PeerId)?.cancel(index);
    this.init.onStored?.();
    if (this.sched.isDone()) void this.finish();
    else this.pump();
    return true;
  }

  /** forGood: it sent bad data. Otherwise it only failed to deliver, and may come back (HolderStanding). */
  private dropHolder(peer: PeerId, reason: string, forGood = true): void {
    const s = this.sessions.get(peer);
    const dropped: DroppedHolder = { id: this.id, file: this.manifest.name, peer, name: s?.info.name ?? peer, address: s?.info.address ?? '?', reason };
    if (!this.standing.drop(dropped, forGood)) return;
    this.sched.ban(peer);
    this.sessions.delete(peer);
    s?.close();
    this.emit('dropped', dropped);
    this.pump();
  }

  private tick(): void {
    if (this.isOver()) return;
    const now = this.now();
    const stallMs = this.init.stallMs ?? 20_000;
    for (const s of [...this.sessions.values()]) {
      if (s.state !== 'ready' || s.inFlight === 0 || now - s.lastProgress <= stallMs) continue;
      const why = `sent no data for ${Math.round((now - s.lastProgress) / 1000)} s`;
      s.lose(why);
      this.strike(s.peer, why);
    }
    this.pump();
    const p = this.progress();
    if (p.bytesDone !== this.lastReported || p.rate > 0) {
      this.lastReported = p.bytesDone;
      this.emit('progress', p);
    }
  }

  /** running needs a connected holder that can send a chunk still missing; merely connected is waiting. */
  private updateState(): void {
    if (this.isOver()) return;
    let serving = 0;
    let trying = 0;
    for (const s of this.sessions.values()) {
      if (s.state === 'ready' && this.sched.fetchable(s.peer)) serving++;
      else if (s.state === 'connecting' && s.failures === 0 && this.offers(s.info.have)) trying++;
    }
    const next: DownloadState = serving > 0 ? 'running' : trying > 0 ? 'connecting' : 'waiting';
    if (next === this.st || !this.moveTo(next)) return;
    this.emit('state', next, this.progress());
  }

  private offers(have: Bitfield | 'all'): boolean {
    const done = this.tally.done;
    if (have === 'all') return !done.isComplete();
    for (let i = 0; i < have.length; i++) if (have.has(i) && !done.has(i)) return true;
    return false;
  }

  /** Bytes arrived on this holder's data connection: it is working on our requests, however slowly. */
  linkActive(peer: PeerId, address: string): void {
    const s = this.sessions.get(peer);
    if (s && s.info.address === address && s.inFlight > 0) s.lastProgress = this.now();
  }

  private async finish(): Promise<void> {
    if (this.isOver() || !this.moveTo('verifying')) return;
    this.stopSessions();
    await Promise.allSettled(this.writing.values());
    if (this.st !== 'verifying') return;
    let path: string;
    try {
      path = await this.partial.complete(this.init.downloadsDir, this.init.onPlace);
    } catch (e) {
      if (!isLanmeshError(e, 'HASH_MISMATCH')) return this.fail(e);
      // Chunks damaged on disk were forgotten by complete(): fetch them again from the holders.
      if (!this.moveTo('connecting')) return;
      this.rebuild();
      return;
    }
    if (!this.moveTo('done')) return;
    const summary = this.tally.summary(path, this.sched.stats(), this.standing.dropped());
    const pushed = [...this.pushers.values()].filter((p) => p.chunks > 0);
    if (pushed.length > 0) summary.shares = [...summary.shares, ...pushed].sort((a, b) => b.bytes - a.bytes);
    this.emit('done', summary);
  }

  /** After complete() found damaged chunks: a fresh scheduler over what is still held, same sessions. */
  private rebuild(): void {
    this.tally.resync(this.partial.have());
    this.sched = this.newScheduler();
    for (const peer of this.standing.outNow()) this.sched.ban(peer);
    this.startTimer();
    this.setHolders(this.parked);
  }

  private stopSessions(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.parked = [];
    for (const s of this.sessions.values()) {
      this.parked.push(s.info);
      s.close();
    }
    this.sessions.clear();
  }

  private fail(e: unknown): void {
    if (!this.moveTo('failed')) return;
    this.stopSessions();
    const err = e instanceof Error ? e : new LanmeshError('IO', describeError(e));
    void this.partial.close().finally(() => this.emit('failed', err));
  }
}
