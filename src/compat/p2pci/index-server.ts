// The P2P-CI/1.0 central index server: one long-lived connection per peer, each peer's records
// owned by its connection and dropped when that connection closes (cleanly or not).
import { createServer, type Server, type Socket } from 'node:net';
import { formatResponse, DEFAULT_INDEX_PORT, type CodecLimits, type ParseResult, type RfcRecord, type StatusCode } from './codec.js';
import { IndexConnection } from './index-connection.js';
import { AdmissionTable } from './index-admission.js';
import { RfcIndex } from './rfc-index.js';
import { plainAddress } from './dial.js';
import { LanmeshError } from '../../errors.js';

export type IndexLogEvent =
  | { kind: 'listening'; host: string; port: number }
  | { kind: 'connect'; conn: number; remote: string }
  | { kind: 'refused'; remote: string; reason: string }
  | { kind: 'request'; conn: number; remote: string; lines: string[] }
  | { kind: 'response'; conn: number; remote: string; code: StatusCode; lines: string[]; reason?: string }
  | { kind: 'disconnect'; conn: number; remote: string; removed: number; reason: string };
/** An event with its time (ms since the epoch). */
export type IndexLogEntry = IndexLogEvent & { at: number };

export interface IndexServerInit {
  /** Every connection, request, response and disconnect, for the CLI's log (formatIndexLog). */
  onLog?: (entry: IndexLogEntry) => void;
  limits?: Partial<CodecLimits>;
  /** A connection that stops sending in the middle of a request for this long is closed. 0: never. */
  requestTimeoutMs?: number;
  /** A connection silent for this long is closed. 0 (default): never, since peers stay connected all session. */
  idleTimeoutMs?: number;
  /** Per connection: answers the client has not read, buffered here, before we wait for it (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Connections at once (default 1024). */
  maxConnections?: number;
  /** Connections from one address at once (default 256). */
  maxPerAddress?: number;
  /** A connection with no records silent this long is closed (default 10 min; 0: never). Registered ones never are. */
  unregisteredIdleMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** Unread answers one connection may have buffered in our process before we stop answering it. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const SHUTDOWN_REASON = 'closed by the server (shutting down)';
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_MAX_PER_ADDRESS = 256;
export const DEFAULT_UNREGISTERED_IDLE_MS = 10 * 60_000;

export class IndexServer {
  private readonly index = new RfcIndex();
  private readonly conns: AdmissionTable<IndexConnection>;
  private sweep: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private started: Promise<{ port: number; host: string }> | undefined;
  private closing: Promise<void> | undefined;
  private nextConn = 0;

  constructor(private readonly init: IndexServerInit = {}) {
    this.conns = new AdmissionTable({
      max: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      perAddress: init.maxPerAddress ?? DEFAULT_MAX_PER_ADDRESS,
    });
  }

  start({ port = DEFAULT_INDEX_PORT, host = '0.0.0.0' }: { port?: number; host?: string } = {}): Promise<{ port: number; host: string }> {
    if (this.closing) return Promise.reject(new LanmeshError('BAD_CONFIG', 'index server was closed'));
    this.started ??= new Promise((resolve, reject) => {
      const server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
      this.server = server;
      const onError = (err: NodeJS.ErrnoException) => {
        const code = err.code === 'EADDRINUSE' || err.code === 'EACCES' ? 'PORT_IN_USE' : 'IO';
        reject(new LanmeshError(code, `index server cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', () => {});
        const actual = (server.address() as { port: number }).port;
        this.startSweep();
        this.log({ kind: 'listening', host, port: actual });
        resolve({ port: actual, host });
      });
    });
    return this.started;
  }

  /** Stops accepting, closes every connection (dropping its records) and resolves when all are gone. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const server = this.server;
      clearInterval(this.sweep);
      // Each connection's onClose (records dropped, disconnect logged) has run when this resolves.
      const all = [...this.conns.all()];
      const gone = all.map((c) => c.closed);
      for (const c of all) c.close(SHUTDOWN_REASON);
      if (server?.listening) await new Promise<void>((r) => server.close(() => r()));
      await Promise.all(gone);
    })();
    return this.closing;
  }

  /** The whole index as LIST ALL would answer it. */
  records(): RfcRecord[] {
    return this.index.list();
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Answers written for clients but not yet taken by the kernel, over all connections. */
  get bufferedBytes(): number {
    let n = 0;
    for (const c of this.conns.all()) n += c.bufferedBytes;
    return n;
  }

  /** Requests received but not answered yet (waiting for their clients to read), over all connections. */
  get queuedRequests(): number {
    let n = 0;
    for (const c of this.conns.all()) n += c.queuedRequests;
    return n;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const address = plainAddress(socket.remoteAddress);
    const remote = `${address}:${socket.remotePort ?? 0}`;
    const room = this.conns.admit(address);
    if (!room.ok) {
      socket.on('error', () => {});
      socket.destroy();
      this.log({ kind: 'refused', remote, reason: room.reason });
      return;
    }
    const conn = ++this.nextConn;
    const c = new IndexConnection(socket, {
      address,
      isRegistered: () => this.index.owns(conn),
      limits: this.init.limits,
      requestTimeoutMs: this.init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: this.init.idleTimeoutMs ?? 0,
      maxBufferedBytes: this.init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      answer: (r) => this.answer(conn, remote, r),
      onClose: (reason) => {
        this.conns.delete(c);
        const removed = this.index.drop(conn);
        this.log({ kind: 'disconnect', conn, remote, removed, reason });
      },
    });
    this.conns.add(c);
    this.log({ kind: 'connect', conn, remote });
  }

  /** Closes connections without records that have been silent too long; registered peers stay. */
  private startSweep(): void {
    const idle = this.init.unregisteredIdleMs ?? DEFAULT_UNREGISTERED_IDLE_MS;
    if (idle <= 0) return;
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const c of this.conns.all()) {
        if (!c.registered && !c.closing && now - c.lastDataAt >= idle) c.close('idle timeout (no records)');
      }
    }, Math.max(100, Math.min(idle / 4, 30_000)));
    this.sweep.unref();
  }

  /** The answer to one parse result, and whether the connection closes after it. */
  private answer(conn: number, remote: string, r: ParseResult): { bytes: Buffer; closeAfter: boolean } {
    this.log({ kind: 'request', conn, remote, lines: r.lines });
    let code: StatusCode;
    let records: RfcRecord[] = [];
    let reason: string | undefined;
    if (r.error !== undefined) {
      code = r.error;
      reason = r.reason;
    } else if (r.method === 'ADD') {
      code = 200;
      records = [this.index.add(conn, { rfc: r.rfc, title: r.title, host: r.host, port: r.port })];
    } else if (r.method === 'LOOKUP') {
      records = this.index.list(r.rfc);
      code = records.length > 0 ? 200 : 404;
    } else if (r.method === 'LIST') {
      code = 200;
      records = this.index.list();
    } else {
      code = 400;
      reason = 'GET goes to a peer\'s upload server, not the index';
    }
    const bytes = formatResponse(code, records);
    if (this.init.onLog) {
      this.log({ kind: 'response', conn, remote, code, lines: bytes.toString('utf8').split('\r\n').slice(0, -2), reason });
    }
    return { bytes, closeAfter: r.error !== undefined && r.closeAfter };
  }

  private log(event: IndexLogEvent): void {
    if (!this.init.onLog) return;
    try {
      this.init.onLog({ ...event, at: Date.now() });
    } catch {
      // A failing log sink must not break the index.
    }
  }
}
