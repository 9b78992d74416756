// Reads the first bytes of a fresh connection so a port can tell which protocol it speaks
// (framed lanmesh vs. P2P-CI "GET ") before handing the socket on with those bytes.
import type { Socket } from 'node:net';

/** Resolves with at least `n` bytes (or fewer if the peer ends first); undefined on close/timeout. */
export function sniff(socket: Socket, n: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    const finish = (result: Buffer | undefined) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.pause();
      resolve(result);
    };
    const onData = (b: Buffer) => {
      parts.push(b);
      got += b.length;
      if (got >= n) finish(Buffer.concat(parts));
    };
    const onEnd = () => finish(got > 0 ? Buffer.concat(parts) : undefined);
    const onClose = () => finish(undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      finish(undefined);
    }, timeoutMs);
    timer.unref();
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onClose);
  });
}
