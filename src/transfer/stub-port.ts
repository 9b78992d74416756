// A bound, announced port whose behaviour comes later (distributor, distributee): every request
// gets a clear UNSUPPORTED error frame instead of silence, and the connection ends.
import { TcpListener } from './tcp-listener.js';
import { FramedConnection } from '../wire/connection.js';
import { MAX_REQUEST_FRAME, REQUEST_FRAME_TIMEOUT_MS } from '../wire/frame.js';
import type { ControlMessage } from '../wire/messages.js';

export class StubPort {
  private constructor(private readonly listener: TcpListener) {}

  static async start(port: number, host: string, role: string): Promise<StubPort> {
    let self: StubPort | undefined;
    const listener = await TcpListener.listen(port, host, role, (socket) => {
      if (!self) return socket.destroy();
      const conn = new FramedConnection(socket, { maxFrameBytes: MAX_REQUEST_FRAME, frameTimeoutMs: REQUEST_FRAME_TIMEOUT_MS });
      conn.on('warning', () => conn.close());
      // One answer, then the connection ends: there is nothing more to say, and a client that
      // keeps sending without reading must not make us queue answers without bound.
      conn.once('control', (msg: ControlMessage) => {
        conn.pause();
        const rid = 'rid' in msg && typeof msg.rid === 'number' ? msg.rid : undefined;
        conn
          .send({ t: 'error', rid, code: 'UNSUPPORTED', message: `the ${role} port does not support '${msg.t}' yet` })
          .then(() => conn.end(), () => conn.close());
      });
    });
    self = new StubPort(listener);
    return self;
  }

  get port(): number {
    return this.listener.port;
  }

  /** The listener owns the accepted sockets: closing it ends every connection too. */
  close(): Promise<void> {
    return this.listener.close();
  }
}
