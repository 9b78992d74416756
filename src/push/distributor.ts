// The distributor port (T+2): pushes this peer originates. Recipients report their progress here;
// each report goes to the push its token names, and only from that recipient's address.
import type { Socket } from 'node:net';
import { TcpListener, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS } from '../transfer/tcp-listener.js';
import { OPEN_MESH, type SocketSecurity } from '../wire/secure-socket.js';
import { FramedConnection } from '../wire/connection.js';
import { MAX_REQUEST_FRAME, REQUEST_FRAME_TIMEOUT_MS } from '../wire/frame.js';
import type { ControlMessage, PushHolders, PushReport } from '../wire/messages.js';
import { describeError } from '../errors.js';

/** Sends news back over the connection a report came on (dropped once it is closed). */
export type HolderReply = (msg: PushHolders) => void;

/** Where reports go: false means the sender is not a recipient of that push (the connection closes). */
export type ReportRoute = (msg: PushReport, address: string | undefined, reply: HolderReply) => boolean | undefined;

export class DistributorPort {
  private constructor(private readonly listener: TcpListener) {}

  static async start(port: number, host: string, route: ReportRoute, onWarning: (m: string) => void, security: SocketSecurity = OPEN_MESH): Promise<DistributorPort> {
    let self: DistributorPort | undefined;
    const listener = await TcpListener.listen(port, host, 'distributor', (s: Socket) => {
      if (!self) return s.destroy();
      const conn = new FramedConnection(s, { maxFrameBytes: MAX_REQUEST_FRAME, frameTimeoutMs: REQUEST_FRAME_TIMEOUT_MS });
      conn.on('warning', (e) => onWarning(`distributor: ${describeError(e)}`));
      conn.on('chunk', () => conn.close());
      // One error answer, then the connection ends: frames already decoded after it are ignored, so a
      // flood cannot make us queue answers.
      let refused = false;
      const reply: HolderReply = (m) => {
        if (!conn.isClosed && !refused) void conn.send(m).catch(() => conn.close());
      };
      conn.on('control', (msg: ControlMessage) => {
        if (refused) return;
        if (msg.t === 'push.report') {
          const ok = route(msg, conn.remoteAddress, reply);
          if (ok === true) return;
          refused = true;
          conn.pause();
          const why = ok === undefined ? 'no such push here' : 'not a recipient of that push';
          void conn.send({ t: 'error', code: 'NOT_FOUND', message: why }).then(() => conn.end(), () => conn.close());
          return;
        }
        refused = true;
        conn.pause();
        const rid = 'rid' in msg && typeof msg.rid === 'number' ? msg.rid : undefined;
        void conn.send({ t: 'error', rid, code: 'UNSUPPORTED', message: `the distributor port takes push.report, not '${msg.t}'` }).then(() => conn.end(), () => conn.close());
      });
    }, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, { security });
    self = new DistributorPort(listener);
    return self;
  }

  get port(): number {
    return this.listener.port;
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}
