// A push recipient's progress reports to the origin's distributor port (T+2): what it holds and who
// sent it, at most every intervalMs while it changes, every HEARTBEAT_MS regardless (the origin takes
// silence for a departure), and at once when the download ends.
import { FramedConnection, dialFramed } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { ControlMessage, PushHolders, ReportState } from '../wire/messages.js';
import type { Bitfield } from '../store/bitfield.js';
import type { PeerId } from '../types.js';
import { describeError } from '../errors.js';

export interface ReporterInit {
  address: string;
  port: number;
  push: string;
  self: PeerId;
  have(): Bitfield;
  intervalMs?: number;
  /** The origin's news of what the other recipients verified (push.holders on this connection). */
  onHolders?(holders: PushHolders['holders']): void;
  onWarning(msg: string): void;
  /** What the dial to the origin speaks (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

/** Reports at most this often for files up to REPORT_FAST_CHUNKS chunks (their bitfields are small), else every 250 ms. */
const REPORT_FAST_MS = 100;
const REPORT_FAST_CHUNKS = 8192;

export const HEARTBEAT_MS = 5_000;

export class Reporter {
  /** Chunks stored that the origin pushed. */
  fromOrigin = 0;
  private readonly kept: number;
  private conn: FramedConnection | undefined;
  private dialing: Promise<FramedConnection | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = true;
  private lastSent = 0;
  private state: ReportState = 'running';
  private closed = false;
  private warned = false;

  constructor(private readonly init: ReporterInit) {
    this.kept = init.have().count();
  }

  start(): void {
    const have = this.init.have();
    this.timer = setInterval(() => void this.tick(), this.init.intervalMs ?? (have.length <= REPORT_FAST_CHUNKS ? REPORT_FAST_MS : 250));
    this.timer.unref();
    void this.tick();
  }

  changed(): void {
    this.dirty = true;
  }

  /** The last report; the connection ends after it. */
  final(state: ReportState): void {
    if (this.closed || this.state !== 'running') return;
    this.state = state;
    this.dirty = true;
    void this.tick().then(() => this.close(true));
  }

  close(flush = false): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (flush) void this.conn?.end();
    else this.conn?.close();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (!this.dirty && Date.now() - this.lastSent < HEARTBEAT_MS) return;
    const conn = await this.connection();
    if (!conn || this.closed && this.state === 'running') return;
    const have = this.init.have();
    this.dirty = false;
    this.lastSent = Date.now();
    const fromPeers = Math.max(0, have.count() - this.fromOrigin - this.kept);
    await conn
      .send({ t: 'push.report', push: this.init.push, peer: this.init.self, have: have.toBase64(), fromOrigin: this.fromOrigin, fromPeers, state: this.state })
      .catch((e: unknown) => this.warnOnce(e));
  }

  private connection(): Promise<FramedConnection | undefined> {
    if (this.conn && !this.conn.isClosed) return Promise.resolve(this.conn);
    this.dialing ??= dialFramed(this.init.address, this.init.port, { security: this.init.security })
      .then((c) => {
        c.on('warning', () => c.close());
        // The origin sends only news of the other recipients here; anything else ends the connection.
        c.on('control', (m: ControlMessage) => {
          if (m.t === 'push.holders' && m.push === this.init.push) this.init.onHolders?.(m.holders);
          else c.close();
        });
        if (this.closed) c.close();
        return (this.conn = c);
      })
      .catch((e: unknown) => {
        this.warnOnce(e);
        return undefined;
      })
      .finally(() => (this.dialing = undefined));
    return this.dialing;
  }

  private warnOnce(e: unknown): void {
    if (this.warned || this.closed) return;
    this.warned = true;
    this.init.onWarning(`push: cannot report progress to the origin at ${this.init.address}:${this.init.port}: ${describeError(e)}`);
  }
}
