// The distributee port (T+3): pushes from other peers. An offer is answered accept / held / no-space /
// refused; an accepted push feeds a normal download (verified, written and seeded like a pull) and
// reports progress to the origin's distributor port (docs/PROTOCOL.md "Push").
import { statfs } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { TcpListener, DEFAULT_MAX_PER_ADDRESS } from '../transfer/tcp-listener.js';
import { OPEN_MESH, type SocketSecurity } from '../wire/secure-socket.js';
import { FramedConnection } from '../wire/connection.js';
import { MAX_CONTROL, MAX_FRAME } from '../wire/frame.js';
import type { ControlMessage, PushOffer, PushVerdict } from '../wire/messages.js';
import type { FileId, Manifest, PeerId } from '../types.js';
import { computeFileId } from '../store/manifest.js';
import type { PushedDownload } from '../transfer/transfer-service.js';
import { describeError } from '../errors.js';
import { Reporter } from './reporter.js';

export type AcceptPolicy = 'all' | 'none' | 'ask';

/** `--accept ask`: an offer waiting for this peer's user (answered once; unanswered, it is refused). */
export interface PushQuestion {
  /** Tells this question apart from others waiting at the same time. */
  key: string;
  origin: string;
  name: string;
  size: number;
  /** How long it waits for an answer. */
  timeoutMs: number;
  answer(yes: boolean): void;
}

/** How a question ended: answered, or refused after its timeout. */
export interface PushQuestionEnd {
  key: string;
  outcome: 'yes' | 'no' | 'timeout';
}

/** How long an `ask` offer waits for the user before it is refused. */
export const ASK_TIMEOUT_MS = 60_000;

export interface DistributeeDeps {
  selfId: PeerId;
  /** The peer folder (statfs: room for the file). */
  dir: string;
  holds(id: FileId): boolean;
  policy: AcceptPolicy;
  /** `ask`: the question goes to the front end (no listener: refused at once). */
  ask?(q: PushQuestion): boolean;
  asked?(end: PushQuestionEnd): void;
  /** Default ASK_TIMEOUT_MS. */
  askTimeoutMs?: number;
  /** The origin's name when discovery knows it at that address; undefined refuses the offer. */
  originName(peer: PeerId, address: string): string | undefined;
  startPushed(manifest: Manifest, origin: { peer: PeerId; name: string }): Promise<PushedDownload>;
  onWarning(msg: string): void;
  onNotice(msg: string): void;
  reportIntervalMs?: number;
  /** What the port and the reports to the origin speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

/** Connections at once: an offer may be 8 MiB before anything is proven, so few of them. */
const MAX_CONNECTIONS = 16;
/** Pushed chunks being verified and written at once; the connection pauses above it. */
const MAX_WRITING = 4;
const OFFER_TIMEOUT_MS = 30_000;
/** An origin heard from this recently is taken as present, whatever discovery says. */
const HEARD_MS = 6_000;
/** Room kept free on the disk beyond the file. */
const SPARE_BYTES = 64 * 1024 * 1024;

export class DistributeePort {
  private readonly receptions = new Set<Reception>();
  private readonly questions = new Set<() => void>();
  private nextQuestion = 1;

  private constructor(private readonly listener: TcpListener, private readonly deps: DistributeeDeps) {}

  static async start(port: number, host: string, deps: DistributeeDeps): Promise<DistributeePort> {
    let self: DistributeePort | undefined;
    const listener = await TcpListener.listen(port, host, 'distributee', (s) => (self ? self.accept(s) : s.destroy()), MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, {
      security: deps.security ?? OPEN_MESH,
    });
    self = new DistributeePort(listener, deps);
    return self;
  }

  get port(): number {
    return this.listener.port;
  }

  /** A download fed by a push ended: its last report goes out, then the origin closes. */
  finished(id: FileId, ok: boolean): void {
    for (const r of this.receptions) if (r.id === id) r.finished(ok);
  }

  /**
   * Discovery says the origin left: its pushes here end (verified chunks stay; the download goes on by
   * pull), unless the origin was heard from lately (a busy origin may miss mDNS answers; closing would
   * make it take this peer for gone and send its chunks again to the others).
   */
  originGone(peer: PeerId): void {
    for (const r of [...this.receptions]) if (r.origin === peer && !r.heardLately()) r.close();
  }

  async close(): Promise<void> {
    for (const end of [...this.questions]) end();
    for (const r of [...this.receptions]) r.close();
    await this.listener.close();
  }

  private accept(socket: Socket): void {
    // The offer carries a manifest (up to MAX_CONTROL); chunk frames are allowed only once accepted.
    // No idle timeout once a push runs (it may wait long for the others); the offer must come soon.
    const conn = new FramedConnection(socket, { maxFrameBytes: MAX_CONTROL + 1, idleTimeoutMs: 0 });
    const noOffer = setTimeout(() => conn.close(), OFFER_TIMEOUT_MS);
    noOffer.unref();
    conn.once('close', () => clearTimeout(noOffer));
    conn.on('warning', (e) => this.deps.onWarning(`distributee: ${describeError(e)}`));
    conn.once('control', (msg: ControlMessage) => {
      clearTimeout(noOffer);
      conn.pause();
      if (msg.t !== 'push.offer') {
        const rid = 'rid' in msg && typeof msg.rid === 'number' ? msg.rid : undefined;
        void conn.send({ t: 'error', rid, code: 'UNSUPPORTED', message: `the distributee port takes push.offer, not '${msg.t}'` }).then(() => conn.end(), () => conn.close());
        return;
      }
      void this.answer(conn, msg).catch((e: unknown) => {
        this.deps.onWarning(`push of ${msg.manifest.name}: ${describeError(e)}`);
        conn.close();
      });
    });
  }

  private async answer(conn: FramedConnection, offer: PushOffer): Promise<void> {
    const m = offer.manifest;
    const reply = (verdict: PushVerdict, reason?: string) => conn.send({ t: 'push.answer', rid: offer.rid, verdict, ...(reason !== undefined && { reason }) });
    const address = conn.remoteAddress ?? '';
    const origin = this.deps.originName(offer.from, address);
    const verdict = await this.verdict(offer, origin, conn);
    if (verdict.verdict !== 'accept') {
      if (verdict.verdict === 'held') this.deps.onNotice(`${origin ?? offer.from} offered ${m.name}: already here, serving it to the others`);
      else this.deps.onNotice(`${origin ?? offer.from} offered ${m.name}: refused (${verdict.reason})`);
      await reply(verdict.verdict, verdict.reason);
      if (verdict.verdict === 'held') {
        // Kept open: the origin counts this peer as a holder while the connection lasts.
        conn.resume();
        conn.on('control', () => conn.close());
        conn.on('chunk', () => conn.close());
        return;
      }
      await conn.end();
      return;
    }
    const feed = await this.deps.startPushed(m, { peer: offer.from, name: origin! });
    const r = new Reception(conn, offer, feed, address, this.deps, () => this.receptions.delete(r));
    this.receptions.add(r);
    await reply('accept');
    conn.setMaxFrame(MAX_FRAME);
    r.start();
  }

  private async verdict(offer: PushOffer, origin: string | undefined, conn: FramedConnection): Promise<{ verdict: PushVerdict; reason?: string }> {
    const m = offer.manifest;
    if (computeFileId(m.size, m.chunkSize, m.hashes) !== m.id) return { verdict: 'refused', reason: 'the manifest does not match its id' };
    if (origin === undefined) return { verdict: 'refused', reason: 'the origin is not a peer this one knows at that address' };
    if (this.deps.holds(m.id)) return { verdict: 'held', reason: 'already here' };
    if (this.deps.policy === 'none') return { verdict: 'refused', reason: 'this peer accepts no pushes (--accept none)' };
    const room = await this.room(m.size);
    if (room) return room;
    if (this.deps.policy !== 'ask') return { verdict: 'accept' };
    const yes = await this.askUser(origin, m, conn);
    if (yes !== true) return { verdict: 'refused', reason: yes === false ? 'declined by its user' : yes };
    if (this.deps.holds(m.id)) return { verdict: 'held', reason: 'already here' };
    // Space may have gone while the user thought about it.
    return (await this.room(m.size)) ?? { verdict: 'accept' };
  }

  private async room(size: number): Promise<{ verdict: PushVerdict; reason: string } | undefined> {
    try {
      const fs = await statfs(this.deps.dir);
      const free = fs.bavail * fs.bsize;
      if (free < size + SPARE_BYTES) return { verdict: 'no-space', reason: `${free} bytes free, the file needs ${size}` };
    } catch (e) {
      return { verdict: 'no-space', reason: `cannot check the free space: ${describeError(e)}` };
    }
    return undefined;
  }

  /** true / false: the user's answer; a string: why nobody answered. */
  private askUser(origin: string, m: Manifest, conn: FramedConnection): Promise<boolean | string> {
    const timeoutMs = this.deps.askTimeoutMs ?? ASK_TIMEOUT_MS;
    const key = `q${this.nextQuestion++}`;
    return new Promise((resolve) => {
      let over = false;
      const end = (result: boolean | string, outcome: PushQuestionEnd['outcome']) => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        this.questions.delete(stop);
        this.deps.asked?.({ key, outcome });
        resolve(result);
      };
      const stop = () => end('this peer is stopping', 'timeout');
      const timer = setTimeout(() => end(`no answer within ${Math.round(timeoutMs / 1000)} s`, 'timeout'), timeoutMs);
      timer.unref();
      this.questions.add(stop);
      conn.once('close', () => end('the origin went away', 'timeout'));
      const shown = this.deps.ask?.({ key, origin, name: m.name, size: m.size, timeoutMs, answer: (yes) => end(yes, yes ? 'yes' : 'no') }) ?? false;
      if (!shown) end('nobody here to ask (--accept ask needs the terminal UI or line mode)', 'timeout');
    });
  }
}

/** One accepted push: chunk frames in, reports out, until the origin closes or the download ends. */
class Reception {
  readonly id: FileId;
  readonly origin: PeerId;
  private readonly token: Buffer;
  private readonly reporter: Reporter;
  private writing = 0;
  private closed = false;
  /** When the origin last sent something here (a chunk, or news of the others). */
  private lastHeard = Date.now();

  constructor(
    private readonly conn: FramedConnection,
    offer: PushOffer,
    private readonly feed: PushedDownload,
    address: string,
    deps: DistributeeDeps,
    private readonly onClose: () => void,
  ) {
    this.id = offer.manifest.id;
    this.origin = offer.from;
    this.token = Buffer.from(offer.push, 'hex');
    this.reporter = new Reporter({
      address,
      port: offer.port,
      push: offer.push,
      self: deps.selfId,
      have: () => feed.have(),
      intervalMs: deps.reportIntervalMs,
      onHolders: (holders) => {
        this.lastHeard = Date.now();
        if (!this.closed) feed.hint(holders.filter((h) => h.peer !== deps.selfId && h.peer !== this.origin));
      },
      onWarning: deps.onWarning,
      security: deps.security,
    });
  }

  start(): void {
    this.conn.on('chunk', (f) => {
      if (!f.token.equals(this.token)) {
        this.conn.close();
        return;
      }
      this.lastHeard = Date.now();
      this.writing++;
      if (this.writing >= MAX_WRITING) this.conn.pause();
      const before = this.feed.have().has(f.index);
      void this.feed.write(f.index, f.data).finally(() => {
        if (!before && this.feed.have().has(f.index)) this.reporter.fromOrigin++;
        this.writing--;
        if (!this.closed && this.writing < MAX_WRITING) this.conn.resume();
        this.reporter.changed();
      });
    });
    this.conn.on('control', () => this.conn.close());
    this.conn.once('close', () => this.close());
    this.conn.resume();
    this.reporter.start();
  }

  heardLately(): boolean {
    return !this.closed && !this.conn.isClosed && Date.now() - this.lastHeard < HEARD_MS;
  }

  finished(ok: boolean): void {
    this.reporter.final(ok ? 'done' : 'failed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.close();
    this.reporter.close();
    this.feed.release();
    this.onClose();
  }
}
