// The receiver port (T): seeders dial it and stream the chunks this peer asked for. Each data
// connection opens with data.hello; its chunk frames are routed by token, and anything else is dropped.
import { TcpListener, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS } from './tcp-listener.js';
import { READ_BUFFER_BYTES } from './reused-reads.js';
import { OPEN_MESH, type SocketSecurity } from '../wire/secure-socket.js';
import { plainAddress, type TokenTable } from './tokens.js';
import { FramedConnection, type ChunkFrame } from '../wire/connection.js';
import { MAX_FRAME } from '../wire/frame.js';
import type { ControlMessage } from '../wire/messages.js';
import type { PeerId } from '../types.js';
import { describeError } from '../errors.js';
import { logger } from '../log.js';

const log = logger('transfer');

export interface ReceiverInit {
  port: number;
  host: string;
  tokens: TokenTable;
  onWarning: (msg: string) => void;
  /** A seeder's data connection closed: chunks it still owed will not come on it. */
  onLinkDown?: (peer: PeerId, address: string) => void;
  /** Bytes arrived on a seeder's data connection (progress finer than whole chunks, for stall checks). */
  onBytes?: (peer: PeerId, address: string) => void;
  /** Where accepted data connections assemble chunk bodies (a download gives each back once written). */
  bodyAllocator?: (length: number) => Buffer;
  idleTimeoutMs?: number;
  /** What accepted connections must speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  /** How long one frame may take once begun (default: the connection's, DEFAULT_FRAME_TIMEOUT_MS). */
  frameTimeoutMs?: number;
}

/** How long a fresh connection may take to say data.hello. */
const HELLO_TIMEOUT_MS = 10_000;
/**
 * Largest frame accepted before data.hello (which is < 200 bytes): until a connection names a
 * holder we asked, it cannot make us buffer a chunk-sized frame.
 */
export const PRE_HELLO_MAX_FRAME = 4096;

export class ReceiverPort {
  /** Chunk frames dropped because no outstanding request matched them (for tests and logs). */
  unknownChunks = 0;
  /** Data connections closed at data.hello because nothing was asked of that peer at that address. */
  unexpectedLinks = 0;
  /** Data connections closed because the same holder opened a newer one. */
  replacedLinks = 0;
  /** The one open data connection of each holder, by `peer|address`. */
  private readonly links = new Map<string, FramedConnection>();

  private constructor(private readonly listener: TcpListener, private readonly init: ReceiverInit) {}

  static async start(init: ReceiverInit): Promise<ReceiverPort> {
    let self: ReceiverPort | undefined;
    const listener = await TcpListener.listen(init.port, init.host, 'receiver', (s, _initial, transient) => {
      if (!self) return s.destroy();
      const conn = new FramedConnection(s, {
        idleTimeoutMs: init.idleTimeoutMs,
        frameTimeoutMs: init.frameTimeoutMs,
        maxFrameBytes: PRE_HELLO_MAX_FRAME,
        transientReads: transient,
      });
      self.accept(conn);
      // The connection paused the socket first: this listener does not switch it to flowing mode.
      s.on('data', () => self?.bytesFrom(conn));
    }, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, { security: init.security ?? OPEN_MESH, readInto: Buffer.allocUnsafe(READ_BUFFER_BYTES) });
    self = new ReceiverPort(listener, init);
    return self;
  }

  get port(): number {
    return this.listener.port;
  }

  /** The listener owns the accepted sockets: closing it ends every connection too. */
  close(): Promise<void> {
    return this.listener.close();
  }

  private readonly peers = new WeakMap<FramedConnection, PeerId>();

  private bytesFrom(conn: FramedConnection): void {
    const peer = this.peers.get(conn);
    if (peer) this.init.onBytes?.(peer, plainAddress(conn.remoteAddress));
  }

  private accept(conn: FramedConnection): void {
    const address = plainAddress(conn.remoteAddress);
    let peer: PeerId | undefined;
    const helloTimer = setTimeout(() => conn.close(), HELLO_TIMEOUT_MS);
    helloTimer.unref();
    conn.on('close', () => {
      clearTimeout(helloTimer);
      if (peer) this.init.onLinkDown?.(peer, address);
    });
    conn.on('warning', (err: Error) => this.init.onWarning(`receiver: data connection from ${address} dropped: ${describeError(err)}`));
    conn.on('control', (msg: ControlMessage) => {
      if (msg.t === 'data.hello' && !peer) {
        clearTimeout(helloTimer);
        if (!this.init.tokens.expects(msg.peer, address)) {
          this.unexpectedLinks++;
          log('closed data connection from %s: nothing was asked of peer %s there', conn.label, msg.peer);
          conn.close();
          return;
        }
        peer = msg.peer;
        this.peers.set(conn, peer);
        // One data connection per holder and address: a seeder that dials again replaces its old
        // link, so one asked holder cannot hold many connections, each with a chunk-sized frame.
        const key = `${peer}|${address}`;
        const old = this.links.get(key);
        this.links.set(key, conn);
        conn.on('close', () => {
          if (this.links.get(key) === conn) this.links.delete(key);
        });
        if (old) {
          this.replacedLinks++;
          log('data connection from %s replaces the one peer %s had open', conn.label, peer);
          old.close();
        }
        conn.setMaxFrame(MAX_FRAME);
        if (this.init.bodyAllocator) conn.useBodyAllocator(this.init.bodyAllocator);
        return;
      }
      if (msg.t === 'chunk.missing' && peer) {
        this.init.tokens.match(msg.token, peer, address)?.onMissing(msg.index);
        return;
      }
      if (msg.t === 'error' && msg.rid === undefined) {
        log('%s says: %s %s', conn.label, msg.code, msg.message);
        return;
      }
      const rid = 'rid' in msg && typeof msg.rid === 'number' ? msg.rid : undefined;
      this.init.onWarning(`receiver: unexpected '${msg.t}' from ${address}; connection closed`);
      conn
        .send({ t: 'error', rid, code: 'UNSUPPORTED', message: `the receiver port takes data connections (data.hello, then chunks), not '${msg.t}'` })
        .catch(() => undefined)
        .finally(() => conn.close());
    });
    conn.on('chunk', (frame: ChunkFrame) => {
      const ticket = peer ? this.init.tokens.match(frame.token.toString('hex'), peer, address) : undefined;
      if (!ticket) {
        this.unknownChunks++;
        log('dropped chunk %d from %s: unknown token', frame.index, conn.label);
        return;
      }
      ticket.onChunk(frame.index, frame.data);
    });
  }
}
