// The sender port (T+1): answers catalog and manifest requests over frames, and hands
// connections that start like text (a letter, CR or LF: never a frame) to the P2P-CI upload handler.
import type { Socket } from 'node:net';
import { TcpListener, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS } from './tcp-listener.js';
import { OPEN_MESH, type SocketSecurity } from '../wire/secure-socket.js';
import { sniff } from '../wire/sniff.js';
import { CatalogPager } from './catalog-pages.js';
import { FramedConnection } from '../wire/connection.js';
import { MAX_REQUEST_FRAME, REQUEST_FRAME_TIMEOUT_MS, looksLikeP2pci } from '../wire/frame.js';
import type { ControlMessage } from '../wire/messages.js';
import type { CatalogEntry, FileId, Manifest, PeerId } from '../types.js';
import { LanmeshError, describeError } from '../errors.js';

/** What the sender port serves; the peer supplies it from its store. */
export interface CatalogSource {
  peerId: PeerId;
  revision(): number;
  entries(): CatalogEntry[];
  manifest(id: FileId): Manifest | undefined;
}

/** Extra request handlers (chunk requests, …) plugged in by the transfer module. */
export type RequestHandler = (msg: ControlMessage, conn: FramedConnection, socket: Socket) => boolean | Promise<boolean>;

export interface SenderInit {
  port: number;
  host: string;
  source: CatalogSource;
  onWarning: (msg: string) => void;
  /** Called with a socket whose first byte was a letter, CR or LF (P2P-CI upload); absent: 400 and close. */
  onP2pci?: (socket: Socket, initial: Buffer) => void;
  handlers?: RequestHandler[];
  /**
   * What accepted connections must speak (a private mesh's TLS-PSK; default plain TCP). On a private
   * mesh only onP2pci lets plaintext in (P2P-CI GET with --index); without it every plaintext connection is refused.
   */
  security?: SocketSecurity;
  idleTimeoutMs?: number;
  /** How long one request frame may take to arrive once begun (default REQUEST_FRAME_TIMEOUT_MS). */
  frameTimeoutMs?: number;
  /** How long answering one request may take, its answer's drain included (default REQUEST_DEADLINE_MS). */
  requestDeadlineMs?: number;
}

/** A 4 MiB catalog page in 20 s is 210 KB/s; a chunks.get waits at most 5 s for its dial-back. */
export const REQUEST_DEADLINE_MS = 20_000;

const SNIFF_TIMEOUT_MS = 30_000;
const P2PCI_CLOSE_GRACE_MS = 5_000;
const MAX_PIPELINED = 8;

export class SenderPort {

  private constructor(private readonly listener: TcpListener, private readonly init: SenderInit) {}

  static async start(init: SenderInit): Promise<SenderPort> {
    let self: SenderPort | undefined;
    const onP2pci = init.onP2pci;
    const listener = await TcpListener.listen(init.port, init.host, 'sender', (s, initial) => {
      if (self) void self.accept(s, initial);
      else s.destroy();
    }, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, {
      security: init.security ?? OPEN_MESH,
      ...(onP2pci ? { plaintext: looksLikeP2pci } : {}),
    });
    self = new SenderPort(listener, init);
    return self;
  }

  get port(): number {
    return this.listener.port;
  }

  /** The listener owns the accepted sockets: closing it ends every connection too. */
  close(): Promise<void> {
    return this.listener.close();
  }

  private async accept(socket: Socket, initial?: Buffer): Promise<void> {
    // P2P-CI clients may half-close after their request (nc -N) and still read the answer. A framed
    // connection closes at its peer's end anyway (FramedConnection), so this changes nothing there.
    socket.allowHalfOpen = true;
    const first = initial ?? (await sniff(socket, 1, SNIFF_TIMEOUT_MS));
    if (!first) {
      socket.destroy();
      return;
    }
    if (looksLikeP2pci(first)) {
      if (this.init.onP2pci) this.init.onP2pci(socket, first);
      else {
        socket.end('P2P-CI/1.0 400 Bad Request\r\n\r\n');
        // A client that never closes its side must not keep the socket.
        socket.setTimeout(P2PCI_CLOSE_GRACE_MS, () => socket.destroy());
      }
      return;
    }
    const conn = new FramedConnection(socket, {
      initial: first,
      idleTimeoutMs: this.init.idleTimeoutMs,
      maxFrameBytes: MAX_REQUEST_FRAME,
      frameTimeoutMs: this.init.frameTimeoutMs ?? REQUEST_FRAME_TIMEOUT_MS,
    });
    conn.on('warning', (err: Error) =>
      this.init.onWarning(`sender: connection from ${socket.remoteAddress} dropped: ${describeError(err)}`),
    );
    // One request at a time per connection, and stop reading while too many wait: a client that
    // pipelines requests without reading the answers must not make us queue catalogs without bound.
    let chain = Promise.resolve();
    const pager = new CatalogPager(this.init.source);
    let waiting = 0;
    conn.on('control', (msg: ControlMessage) => {
      if (++waiting >= MAX_PIPELINED) conn.pause();
      chain = chain
        .then(() => (conn.isClosed ? undefined : this.handleInTime(msg, conn, socket, pager)))
        .catch((err) => {
          if (!conn.isClosed) {
            this.init.onWarning(`sender: request from ${socket.remoteAddress} failed: ${describeError(err)}`);
          }
          conn.close();
        })
        .finally(() => {
          if (--waiting < MAX_PIPELINED) conn.resume();
        });
    });
  }

  /**
   * A request must be answered (its answer taken by the client) within the deadline, else the
   * connection closes: a client that pipelines requests and never reads would otherwise keep a
   * paused connection, never idle, for ever.
   */
  private async handleInTime(msg: ControlMessage, conn: FramedConnection, socket: Socket, pager: CatalogPager): Promise<void> {
    const ms = this.init.requestDeadlineMs ?? REQUEST_DEADLINE_MS;
    const timer = setTimeout(() => {
      this.init.onWarning(`sender: ${msg.t} from ${socket.remoteAddress} not answered within ${ms} ms (not read); connection closed`);
      conn.close(new LanmeshError('TIMEOUT', `${msg.t} not answered within ${ms} ms`));
    }, ms);
    try {
      await this.handle(msg, conn, socket, pager);
    } finally {
      clearTimeout(timer);
    }
  }

  private async handle(msg: ControlMessage, conn: FramedConnection, socket: Socket, pager: CatalogPager): Promise<void> {
    const { source } = this.init;
    switch (msg.t) {
      case 'catalog.get':
        await conn.send({ t: 'catalog', rid: msg.rid, peer: source.peerId, ...pager.page(msg.from ?? 0) });
        return;
      case 'manifest.get': {
        const manifest = source.manifest(msg.id);
        if (manifest) await conn.send({ t: 'manifest', rid: msg.rid, manifest });
        else await conn.send({ t: 'error', rid: msg.rid, code: 'NOT_FOUND', message: `no file ${msg.id} here` });
        return;
      }
    }
    for (const h of this.init.handlers ?? []) {
      if (await h(msg, conn, socket)) return;
    }
    const rid = 'rid' in msg && typeof msg.rid === 'number' ? msg.rid : undefined;
    await conn.send({ t: 'error', rid, code: 'UNSUPPORTED', message: `'${msg.t}' is not served on the sender port` });
  }
}
