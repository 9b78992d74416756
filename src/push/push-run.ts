// One push this peer originates: offer the manifest to every recipient's distributee port, stream
// each its dealt share (PushPlan), take their progress reports, re-deal what a departed recipient
// took with it, and sum it all up at the end (docs/PROTOCOL.md "Push").
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { FramedConnection, dialFramed } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { PushReport, PushVerdict } from '../wire/messages.js';
import { Bitfield } from '../store/bitfield.js';
import type { ChunkIndex, Manifest, PeerId } from '../types.js';
import { describeError } from '../errors.js';
import { PushPlan } from './push-plan.js';
import { HolderRelay } from './holder-relay.js';
import type { HolderReply } from './distributor.js';
import type { PushRow, PushSummary, RowState } from './push-types.js';

export interface PushTarget {
  peer: PeerId;
  name: string;
  address: string;
  /** Its distributee port (T+3). */
  port: number;
}

export interface PushRunInit {
  manifest: Manifest;
  self: PeerId;
  /** This peer's distributor port, where the reports come. */
  distributorPort: number;
  targets: PushTarget[];
  readChunk(index: ChunkIndex): Promise<Buffer>;
  onWarning(msg: string): void;
  /** A recipient that sends no report for this long is taken as gone (default 20 s; heartbeats come every 5 s). */
  silenceMs?: number;
  /** Longest wait for an offer's answer (default 75 s: a recipient may ask its user, for 60 s). */
  offerTimeoutMs?: number;
  /** What the dials to recipients speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  /** Answers awaited before the chunks are dealt (default 3 s); later accepters join without a share. */
  dealAfterMs?: number;
}

export interface PushRunEvents {
  /** Every second while it runs. */
  rows: [PushRow[]];
  /** A recipient changed state (accepted, refused, held, done, gone). */
  recipient: [PushRow];
  /** Every chunk is on some recipient: the origin may leave, the recipients finish from each other. */
  covered: [];
  done: [PushSummary];
}

interface Recipient {
  target: PushTarget;
  conn?: FramedConnection;
  row: PushRow;
  lastReport: number;
  sample: { at: number; chunks: number };
  /** The connection its reports come on: news of the others goes back there. */
  reply?: HolderReply;
}

/** A recipient that reported this recently is alive, whatever discovery says (reports come every 5 s at least). */
const ALIVE_MS = 6_000;

/** Reports that come close together are relayed together. */
const RELAY_DELAY_MS = 15;

export class PushRun extends EventEmitter<PushRunEvents> {
  readonly token = randomBytes(16);
  readonly tokenHex = this.token.toString('hex');
  private readonly recipients = new Map<PeerId, Recipient>();
  private plan: PushPlan | undefined;
  private readonly started = Date.now();
  private originBytes = 0;
  private wakers: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private coveredOnce = false;
  private readonly chunks: number;
  private readonly relay: HolderRelay;
  private relayTimer: NodeJS.Timeout | undefined;

  constructor(private readonly init: PushRunInit) {
    super();
    this.chunks = init.manifest.hashes.length;
    this.relay = new HolderRelay(this.chunks);
    for (const t of init.targets) {
      const row: PushRow = { peer: t.peer, name: t.name, state: 'offering', chunks: 0, total: this.chunks, fromOrigin: 0, fromPeers: 0, sent: 0, rate: 0 };
      this.recipients.set(t.peer, { target: t, row, lastReport: Date.now(), sample: { at: Date.now(), chunks: 0 } });
    }
  }

  get id(): string {
    return this.init.manifest.id;
  }

  rows(): PushRow[] {
    return [...this.recipients.values()].map((r) => ({ ...r.row }));
  }

  /** Offers to everyone at once, then streams to those who accepted. */
  async start(): Promise<void> {
    const answers = Promise.all([...this.recipients.values()].map((r) => this.offer(r)));
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([answers, new Promise<void>((resolve) => (wait = setTimeout(resolve, this.init.dealAfterMs ?? 3000)))]);
    clearTimeout(wait);
    if (this.closed) return;
    const accepted = [...this.recipients.values()].filter((r) => r.row.state === 'receiving').map((r) => r.target.peer);
    const held = [...this.recipients.values()].filter((r) => r.row.state === 'held').map((r) => r.target.peer);
    this.plan = new PushPlan(this.chunks, accepted, held);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    for (const peer of accepted) void this.stream(this.recipients.get(peer)!);
    this.check();
  }

  /** A report from `address`: false when it is not one of this push's recipients there (close that connection). */
  report(msg: PushReport, address: string | undefined, reply?: HolderReply): boolean {
    const r = this.recipients.get(msg.peer);
    if (!r || r.target.address !== address || !this.plan) return false;
    if (r.row.state !== 'receiving') return true;
    let have: Bitfield;
    try {
      have = Bitfield.fromBase64(msg.have, this.chunks);
    } catch {
      return false;
    }
    const now = Date.now();
    const count = have.count();
    if (now - r.sample.at >= 500) {
      r.row.rate = ((count - r.sample.chunks) * this.init.manifest.chunkSize * 1000) / (now - r.sample.at);
      r.sample = { at: now, chunks: count };
    }
    r.lastReport = now;
    if (reply && r.reply !== reply) {
      r.reply = reply;
      this.relay.reset(msg.peer);
    }
    this.relay.update(msg.peer, have);
    this.relaySoon();
    Object.assign(r.row, { chunks: count, fromOrigin: msg.fromOrigin, fromPeers: msg.fromPeers });
    this.plan.report(msg.peer, have, msg.state === 'done');
    if (msg.state === 'done') this.settle(r, 'done');
    else if (msg.state === 'failed') this.leave(r, 'gone', 'its download failed');
    this.wake();
    return true;
  }

  /** Discovery says it left, or the service is stopping. */
  gone(peer: PeerId, why: string): void {
    const r = this.recipients.get(peer);
    if (!r || !(r.row.state === 'receiving' || r.row.state === 'held' || r.row.state === 'offering')) return;
    // Discovery can miss a busy peer's answers; one whose push connection is open and whose reports
    // keep coming is alive (a crash closes the connection or silences the reports soon enough).
    if (r.row.state === 'receiving' && r.conn && !r.conn.isClosed && Date.now() - r.lastReport < ALIVE_MS) return;
    this.leave(r, 'gone', why);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.relayTimer);
    for (const r of this.recipients.values()) r.conn?.close();
    this.wake();
  }

  private async offer(r: Recipient): Promise<void> {
    const { target } = r;
    try {
      const conn = await dialFramed(target.address, target.port, { idleTimeoutMs: 0, requestTimeoutMs: this.init.offerTimeoutMs ?? 75_000, security: this.init.security });
      r.conn = conn;
      conn.on('warning', (e) => this.init.onWarning(`push to ${target.name}: ${describeError(e)}`));
      conn.on('control', () => conn.close());
      conn.on('chunk', () => conn.close());
      conn.once('close', () => {
        if (r.row.state === 'receiving' || r.row.state === 'held') this.leave(r, 'gone', 'it left');
      });
      if (this.closed) return conn.close();
      const answer = await conn.request({
        t: 'push.offer', push: this.tokenHex, from: this.init.self, port: this.init.distributorPort, manifest: this.init.manifest,
      });
      this.verdict(r, answer.verdict, answer.reason);
    } catch (e) {
      this.setState(r, 'refused', `no answer: ${describeError(e)}`);
      r.conn?.close();
    }
  }

  private verdict(r: Recipient, verdict: PushVerdict, reason: string | undefined): void {
    if (this.closed) return;
    if (verdict === 'accept') {
      r.lastReport = Date.now();
      this.setState(r, 'receiving');
      // An answer after the dealing: it joins the plan now.
      if (this.plan) {
        this.plan.join(r.target.peer);
        void this.stream(r);
      }
      return;
    }
    if (verdict === 'held') {
      r.row.chunks = this.chunks;
      return this.setState(r, 'held', 'already here');
    }
    this.setState(r, 'refused', reason ?? verdict);
    void r.conn?.end();
  }

  private async stream(r: Recipient): Promise<void> {
    const plan = this.plan!;
    const peer = r.target.peer;
    while (!this.closed && r.row.state === 'receiving' && r.conn && !r.conn.isClosed) {
      const pick = plan.next(peer, Date.now());
      if (!pick) {
        await new Promise<void>((resolve) => this.wakers.push(resolve));
        continue;
      }
      plan.sent(peer, pick.index, Date.now());
      r.row.sent++;
      try {
        const data = await this.init.readChunk(pick.index);
        await r.conn.sendChunk(this.token, pick.index, data);
        this.originBytes += data.length;
      } catch (e) {
        if (!this.closed && !r.conn.isClosed) this.init.onWarning(`push to ${r.target.name}: chunk ${pick.index}: ${describeError(e)}`);
        r.conn.close();
      }
      this.wake();
    }
  }

  private leave(r: Recipient, state: RowState, why: string): void {
    if (r.row.state === 'gone' || r.row.state === 'done' || r.row.state === 'refused') return;
    this.setState(r, state, why);
    r.conn?.close();
    this.relay.forget(r.target.peer);
    const n = this.plan?.gone(r.target.peer) ?? 0;
    if (n > 0) this.init.onWarning(`push ${this.init.manifest.name}: ${r.target.name} left (${why}); ${n} chunks dealt to the others`);
    this.wake();
  }

  private settle(r: Recipient, state: RowState): void {
    this.setState(r, state);
    void r.conn?.end();
  }

  private setState(r: Recipient, state: RowState, reason?: string): void {
    r.row.state = state;
    if (reason !== undefined) r.row.reason = reason;
    else delete r.row.reason;
    if (!this.closed) this.emit('recipient', { ...r.row });
    this.check();
  }

  /** Tells every receiving recipient what the others verified since it was told last (push.holders). */
  private relaySoon(): void {
    if (this.relayTimer || this.closed) return;
    this.relayTimer = setTimeout(() => {
      this.relayTimer = undefined;
      let more = false;
      for (const r of this.recipients.values()) {
        if (r.row.state !== 'receiving' || !r.reply) continue;
        const holders = this.relay.news(r.target.peer);
        if (holders.length === 0) continue;
        r.reply({ t: 'push.holders', push: this.tokenHex, holders });
        more ||= this.relay.pending(r.target.peer);
      }
      if (more) this.relaySoon();
    }, RELAY_DELAY_MS);
    this.relayTimer.unref();
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const fn of w) fn();
    this.check();
  }

  private tick(): void {
    const now = Date.now();
    const silence = this.init.silenceMs ?? 20_000;
    for (const r of this.recipients.values()) {
      if (r.row.state === 'receiving' && now - r.lastReport > silence) this.leave(r, 'gone', `no report for ${Math.round((now - r.lastReport) / 1000)} s`);
    }
    this.emitRows();
    // The end game waits a while for reports: look again.
    this.wake();
  }

  private emitRows(): void {
    if (!this.closed) this.emit('rows', this.rows());
  }

  private check(): void {
    const plan = this.plan;
    if (!plan || this.closed) return;
    if (!this.coveredOnce && plan.union().isComplete()) {
      this.coveredOnce = true;
      this.emit('covered');
    }
    const rows = [...this.recipients.values()].map((r) => r.row);
    if (rows.some((row) => row.state === 'receiving' || row.state === 'offering')) return;
    const summary: PushSummary = {
      id: this.init.manifest.id,
      name: this.init.manifest.name,
      size: this.init.manifest.size,
      ms: Date.now() - this.started,
      originBytes: this.originBytes,
      redealt: plan.redealt,
      rows: this.rows(),
    };
    this.close();
    this.emit('done', summary);
  }
}
