// A TCP listener that owns the sockets it accepts, so close() can stop accepting, destroy every
// live connection and resolve only when all of it is gone (libp2p listener order).
import { createServer, type Server, type Socket } from 'node:net';
import { LanmeshError } from '../errors.js';
import { OPEN_MESH, type SocketSecurity } from '../wire/secure-socket.js';
import { withReusedReads } from './reused-reads.js';

/** Connections one port keeps at once; more are closed as soon as they are accepted (memory stays bounded). */
export const DEFAULT_MAX_CONNECTIONS = 256;
/** Connections one remote address may hold on one port: one host cannot take the port from the others. */
export const DEFAULT_MAX_PER_ADDRESS = 32;

/** What a listener speaks (wire/secure-socket.ts): plain TCP unless the peer runs a private mesh. */
export interface ListenSecurity {
  security: SocketSecurity;
  /** On a private mesh, plaintext connections whose first bytes pass this are let through (P2P-CI GET). */
  plaintext?: (first: Buffer) => boolean;
  /**
   * Plain (open mesh) sockets read into this one buffer, shared by all of them (each read is
   * consumed before the next): see reused-reads.ts. OnSocket then gets `transient: true`.
   */
  readInto?: Buffer;
}

/**
 * Receives each accepted connection once the security layer let it through; `initial`: bytes it
 * already read; `transient`: its 'data' slices are views of a reused buffer (copy what you keep).
 * A socket is handed over paused only when `transient` (resume() starts its reads).
 */
export type OnSocket = (s: Socket, initial?: Buffer, transient?: boolean) => void;

export class TcpListener {
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  private closing: Promise<void> | undefined;
  /** Connections closed on accept because their address already held its share (for tests and logs). */
  refused = 0;

  private constructor(private readonly server: Server, readonly port: number) {}

  static listen(
    port: number,
    host: string,
    role: string,
    onSocket: OnSocket,
    maxConnections = DEFAULT_MAX_CONNECTIONS,
    maxPerAddress = DEFAULT_MAX_PER_ADDRESS,
    { security, plaintext, readInto }: ListenSecurity = { security: OPEN_MESH },
  ): Promise<TcpListener> {
    const reuse = readInto !== undefined && !security.isPrivate;
    return new Promise((resolve, reject) => {
      const server = createServer({ pauseOnConnect: reuse });
      server.maxConnections = maxConnections;
      const onError = (err: NodeJS.ErrnoException) => {
        server.close();
        if (err.code === 'EADDRINUSE') {
          reject(new LanmeshError('PORT_IN_USE', `port ${port} (${role}) is already in use`, { cause: err }));
        } else if (err.code === 'EACCES') {
          reject(new LanmeshError('PORT_IN_USE', `port ${port} (${role}) needs privileges this user lacks`, { cause: err }));
        } else {
          reject(new LanmeshError('IO', `cannot listen on port ${port} (${role}): ${err.message}`, { cause: err }));
        }
      };
      server.once('error', onError);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', onError);
        const actual = (server.address() as { port: number }).port;
        const l = new TcpListener(server, actual);
        server.on('connection', (accepted: Socket) => {
          const { socket: s, reused } = reuse ? withReusedReads(accepted, readInto) : { socket: accepted, reused: false };
          // Not rebuilt (node internals changed): reads as usual from here on.
          if (reuse && !reused) s.resume();
          const from = (s.remoteAddress ?? '?').replace(/^::ffff:/, '');
          const held = l.perAddress.get(from) ?? 0;
          if (held >= maxPerAddress) {
            l.refused++;
            s.on('error', () => {});
            s.destroy();
            return;
          }
          l.perAddress.set(from, held + 1);
          l.sockets.add(s);
          s.once('close', () => {
            l.sockets.delete(s);
            const left = (l.perAddress.get(from) ?? 1) - 1;
            if (left > 0) l.perAddress.set(from, left);
            else l.perAddress.delete(from);
          });
          // A socket error ends that connection only; the owner's handler reports it.
          s.on('error', () => {});
          if (!security.isPrivate) return onSocket(s, undefined, reused);
          // Refused (no secret) before the owner sees a byte; the TLS socket is owned like the raw one.
          void security.accept(s, { role, plaintext }).then((got) => {
            if (!got) return;
            if (l.closing || s.destroyed) return void got.socket.destroy();
            if (got.socket !== s) {
              l.sockets.add(got.socket);
              got.socket.on('error', () => {});
              got.socket.once('close', () => l.sockets.delete(got.socket));
            }
            onSocket(got.socket, got.initial);
          });
        });
        // After listening, server errors are rare (EMFILE): keep serving, never crash.
        server.on('error', () => {});
        resolve(l);
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    return this.closing;
  }
}
