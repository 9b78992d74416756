// A peer's one long-lived connection to a P2P-CI index server: ADD, LOOKUP, LIST ALL, one request
// at a time. Copes with servers that end responses loosely (no empty line, 200 with no lines).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { DEFAULT_INDEX_PORT, formatRequest, oneLine, type P2pciRequest, type RfcRecord } from './codec.js';
import { ResponseParser, type P2pciResponse } from './response-parser.js';
import { dial, plainAddress } from './dial.js';
import { LanmeshError } from '../../errors.js';

export interface IndexClientInit {
  host: string;
  port?: number;
  /** Our upload server's port (the sender port, T+1): sent as `Port:`. */
  uploadPort: number;
  /** Sent as `Host:`; default: our address on this connection (the one the server sees). */
  advertiseHost?: string;
  connectTimeoutMs?: number;
  /** How long to wait for a response's status line. */
  responseTimeoutMs?: number;
  /** A response whose end is not marked ends once the data has stopped for this long. */
  quietMs?: number;
  maxLineBytes?: number;
  signal?: AbortSignal;
}

interface Waiter {
  method: P2pciRequest['method'];
  resolve: (r: P2pciResponse) => void;
  reject: (e: Error) => void;
}

/** Events: `close` (reason: string) once the connection is gone; `warning` (message: string). */
export class IndexClient extends EventEmitter {
  readonly server: string;
  readonly advertiseHost: string;
  private readonly parser: ResponseParser;
  private waiter: Waiter | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private responseTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private isClosed = false;
  private closeReason: string | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly socket: Socket, private readonly init: IndexClientInit) {
    super();
    this.server = `${init.host}:${init.port ?? DEFAULT_INDEX_PORT}`;
    this.advertiseHost = init.advertiseHost ?? plainAddress(socket.localAddress);
    this.parser = new ResponseParser(init.maxLineBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.closeReason ??= err.message);
    socket.once('close', () => this.onClose());
    init.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  static async connect(init: IndexClientInit): Promise<IndexClient> {
    const socket = await dial(init.host, init.port ?? DEFAULT_INDEX_PORT, { timeoutMs: init.connectTimeoutMs, signal: init.signal });
    return new IndexClient(socket, init);
  }

  get uploadPort(): number {
    return this.init.uploadPort;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Registers one RFC; resolves with the record the server added (ours, if it echoed none). */
  async add(rfc: number, title: string): Promise<RfcRecord> {
    const mine = { rfc, title: oneLine(title) || `RFC ${rfc}`, host: this.advertiseHost, port: this.init.uploadPort };
    const r = await this.exchange({ method: 'ADD', ...mine });
    if (r.code !== 200) throw remoteError(`ADD RFC ${rfc}`, r);
    return r.records.find((x) => x.rfc === rfc) ?? mine;
  }

  /** Every holder of the RFC; empty on 404 or a 200 with no lines. */
  async lookup(rfc: number, title = `RFC ${rfc}`): Promise<RfcRecord[]> {
    const r = await this.exchange({ method: 'LOOKUP', rfc, title, host: this.advertiseHost, port: this.init.uploadPort });
    if (r.code === 404) return [];
    if (r.code !== 200) throw remoteError(`LOOKUP RFC ${rfc}`, r);
    return r.records.filter((x) => x.rfc === rfc);
  }

  /** The whole index; empty on 404 (some servers answer an empty index so). */
  async listAll(): Promise<RfcRecord[]> {
    const r = await this.exchange({ method: 'LIST', host: this.advertiseHost, port: this.init.uploadPort });
    if (r.code === 404) return [];
    if (r.code !== 200) throw remoteError('LIST ALL', r);
    return r.records;
  }

  /** Ends the connection (the server then drops our records); resolves once it is closed. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
    return this.closing;
  }

  private exchange(req: P2pciRequest): Promise<P2pciResponse> {
    const run = () =>
      new Promise<P2pciResponse>((resolve, reject) => {
        if (this.isClosed || this.closing) {
          reject(new LanmeshError('CONNECTION_CLOSED', `index server ${this.server}: connection closed`));
          return;
        }
        this.waiter = { method: req.method, resolve, reject };
        const ms = this.init.responseTimeoutMs ?? 10_000;
        this.responseTimer = setTimeout(() => {
          const what = `no answer to ${req.method}${'rfc' in req ? ` RFC ${req.rfc}` : ''} within ${ms} ms`;
          this.closeReason ??= `${what}; closed by lanmesh`;
          this.fail(new LanmeshError('TIMEOUT', `index server ${this.server}: ${what}`));
          this.socket.destroy();
        }, ms);
        this.socket.write(formatRequest(req));
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  private onData(chunk: Buffer): void {
    for (const resp of this.parser.push(chunk)) this.deliver(resp);
    if (this.parser.error) {
      this.closeReason ??= `${this.parser.error}; closed by lanmesh`;
      this.fail(new LanmeshError('BAD_MESSAGE', `index server ${this.server}: ${this.parser.error}`));
      this.socket.destroy();
      return;
    }
    clearTimeout(this.quietTimer);
    if (!this.waiter || !this.parser.midResponse) return;
    const partial = this.parser.partial;
    // Once the status line is in, a long answer may take its time.
    if (partial) clearTimeout(this.responseTimer);
    if (this.waiter.method === 'ADD' && partial && partial.records.length > 0) {
      this.settle();
      return;
    }
    this.quietTimer = setTimeout(() => this.settle(), this.init.quietMs ?? 300);
  }

  private settle(): void {
    for (const resp of this.parser.settle()) this.deliver(resp);
  }

  private deliver(resp: P2pciResponse): void {
    const w = this.waiter;
    if (!w) {
      this.emit('warning', `index server ${this.server}: unexpected response '${resp.lines[0]}' ignored`);
      return;
    }
    this.waiter = undefined;
    clearTimeout(this.responseTimer);
    clearTimeout(this.quietTimer);
    w.resolve(resp);
  }

  private fail(err: Error): void {
    const w = this.waiter;
    this.waiter = undefined;
    clearTimeout(this.responseTimer);
    clearTimeout(this.quietTimer);
    w?.reject(err);
  }

  private onClose(): void {
    this.isClosed = true;
    this.init.signal?.removeEventListener('abort', this.onAbort);
    if (this.waiter) this.settle();
    this.fail(new LanmeshError('CONNECTION_CLOSED', `index server ${this.server} closed the connection`));
    this.emit('close', this.closeReason ?? (this.closing ? 'closed' : 'closed by the server'));
  }

  private readonly onAbort = (): void => {
    this.closeReason ??= 'aborted';
    this.socket.destroy();
  };
}

function remoteError(what: string, r: P2pciResponse): LanmeshError {
  return new LanmeshError('REMOTE_ERROR', `${what}: index server answered ${r.code} ${r.phrase}`.trim());
}
