// A peer's registration with one P2P-CI index server across reconnects: connects, ADDs what the
// peer offers, keeps that current, and when the server goes away retries with backoff and registers
// everything again on the new connection (the server dropped our records with the old one).
import { EventEmitter } from 'node:events';
import { DEFAULT_INDEX_PORT } from './codec.js';
import { IndexClient } from './index-client.js';
import { IndexRegistrar } from './registrar.js';
import { LanmeshError, describeError } from '../../errors.js';

export interface IndexSessionInit {
  host: string;
  port?: number;
  /** Our upload server's port (the sender port), sent as `Port:`. */
  uploadPort: number;
  advertiseHost?: string;
  /** What to register; read after each (re)connect and on every sync(). */
  offered: () => readonly { rfc: number; title: string }[];
  /** Waits before reconnect attempts 1, 2, …; the last one repeats. */
  reconnectMs?: readonly number[];
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  quietMs?: number;
  /**
   * While nothing is registered, a LIST ALL this often keeps the connection in use: servers close idle
   * connections without records (lanmesh's own after 10 min), and a peer with no RFC files must not
   * be dropped and reconnect with a warning every time (default 4 min; 0: never).
   */
  keepAliveMs?: number;
}

export const DEFAULT_KEEP_ALIVE_MS = 4 * 60_000;

export type IndexState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface IndexStatus {
  /** host:port of the index server. */
  server: string;
  state: IndexState;
  /** How the index lists us (known once connected). */
  self: { host: string; port: number } | undefined;
  /** RFC numbers ADDed on the current connection. */
  registered: number[];
  /** Why the connection was lost, then why the last connect attempt failed, while reconnecting. */
  lastError: string | undefined;
}

export interface IndexSessionEvents {
  warning: [message: string];
  notice: [message: string];
}

export const DEFAULT_RECONNECT_MS: readonly number[] = [500, 1000, 2000, 5000, 10_000];

export class IndexSession extends EventEmitter<IndexSessionEvents> {
  readonly server: string;
  private client: IndexClient | undefined;
  private registrar: IndexRegistrar | undefined;
  private state: IndexState = 'connecting';
  private self: { host: string; port: number } | undefined;
  private lastError: string | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly ac = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(private readonly init: IndexSessionInit) {
    super();
    this.server = `${init.host}:${init.port ?? DEFAULT_INDEX_PORT}`;
  }

  /** First connection and registration; rejects (typed, naming the server) when it cannot connect. */
  async start(): Promise<number> {
    try {
      return await this.connect();
    } catch (err) {
      throw new LanmeshError(err instanceof LanmeshError ? err.code : 'IO', `index server: ${describeError(err)}`, { cause: err });
    }
  }

  /** The live connection, or CONNECTION_CLOSED naming the server and what is being done about it. */
  connection(): IndexClient {
    if (this.client && !this.client.closed) return this.client;
    const why = this.state === 'closed' ? 'index mode stopped' : `reconnecting${this.lastError ? `; last try: ${this.lastError}` : ''}`;
    throw new LanmeshError('CONNECTION_CLOSED', `not connected to index server ${this.server} (${why})`);
  }

  /** ADDs whatever is new in offered(); failures are warnings (a lost connection re-registers all). */
  async sync(): Promise<void> {
    const { client, registrar } = this;
    if (!client || !registrar) return;
    try {
      for (const r of await registrar.sync(this.init.offered())) {
        this.emit('notice', `index ${this.server}: registered RFC ${r.rfc} ${r.title} as ${r.host}:${r.port}`);
      }
    } catch (err) {
      if (!client.closed && this.state !== 'closed') this.emit('warning', `index ${this.server}: ${describeError(err)}`);
    }
  }

  status(): IndexStatus {
    return {
      server: this.server,
      state: this.state,
      self: this.self && { ...this.self },
      registered: this.registrar?.registered() ?? [],
      lastError: this.lastError,
    };
  }

  /** Idempotent: stops reconnecting and closes the connection (the server then drops our records). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closed';
      clearTimeout(this.timer);
      clearInterval(this.keepAlive);
      this.ac.abort();
      await this.client?.close();
    })();
    return this.closing;
  }

  /** Connects and registers everything offered; resolves with how many RFCs were ADDed. */
  private async connect(): Promise<number> {
    const client = await IndexClient.connect({
      host: this.init.host,
      port: this.init.port,
      uploadPort: this.init.uploadPort,
      advertiseHost: this.init.advertiseHost,
      connectTimeoutMs: this.init.connectTimeoutMs,
      responseTimeoutMs: this.init.responseTimeoutMs,
      quietMs: this.init.quietMs,
      signal: this.ac.signal,
    });
    if (this.closing) {
      await client.close();
      throw new LanmeshError('CONNECTION_CLOSED', `index mode stopped while connecting to ${this.server}`);
    }
    client.on('warning', (m: string) => this.emit('warning', m));
    client.once('close', (reason: string) => this.onLost(client, reason));
    const registrar = new IndexRegistrar(client);
    this.client = client;
    this.registrar = registrar;
    this.self = { host: client.advertiseHost, port: client.uploadPort };
    this.state = 'connected';
    this.lastError = undefined;
    this.keepAliveWhileEmpty(client, registrar);
    try {
      return (await registrar.sync(this.init.offered())).length;
    } catch (err) {
      this.lastError ??= describeError(err);
      if (!client.closed) this.emit('warning', `index ${this.server}: registration failed: ${describeError(err)}`);
      return registrar.registered().length;
    }
  }

  private keepAliveWhileEmpty(client: IndexClient, registrar: IndexRegistrar): void {
    clearInterval(this.keepAlive);
    const every = this.init.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    if (every <= 0) return;
    this.keepAlive = setInterval(() => {
      if (client.closed || client !== this.client) return clearInterval(this.keepAlive);
      // A lost answer is the connection's business (its close reconnects): nothing to report here.
      if (registrar.registered().length === 0) client.listAll().catch(() => undefined);
    }, every);
    this.keepAlive.unref();
  }

  private onLost(client: IndexClient, reason: string): void {
    if (client !== this.client || this.state === 'closed') return;
    this.client = undefined;
    this.registrar = undefined;
    this.state = 'reconnecting';
    this.lastError = reason;
    this.attempt = 0;
    this.emit('warning', `index ${this.server}: connection lost (${reason}); reconnecting`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const steps = this.init.reconnectMs ?? DEFAULT_RECONNECT_MS;
    const delay = steps[Math.min(this.attempt, steps.length - 1)] ?? 1000;
    this.attempt++;
    this.timer = setTimeout(() => void this.reconnect(), delay);
    this.timer.unref();
  }

  private async reconnect(): Promise<void> {
    if (this.closing) return;
    try {
      const n = await this.connect();
      this.emit('notice', `index ${this.server}: connected again; ${n} RFC${n === 1 ? '' : 's'} registered`);
    } catch (err) {
      if (this.closing) return;
      this.lastError = describeError(err);
      this.scheduleReconnect();
    }
  }
}
