// Opens a TCP connection for the P2P-CI clients, with a connect timeout and an AbortSignal, and
// typed errors that name the address.
import { connect, type Socket } from 'node:net';
import { LanmeshError } from '../../errors.js';

export interface DialOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function dial(host: string, port: number, { timeoutMs = 5000, signal }: DialOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where = `${host}:${port}`;
    if (signal?.aborted) {
      reject(new LanmeshError('CONNECTION_CLOSED', `connect to ${where} aborted`, { cause: signal.reason }));
      return;
    }
    const socket = connect({ host, port });
    const finish = (err?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        // Errors after connect surface to the owner as 'close' (and its own 'error' listener).
        socket.on('error', () => {});
        resolve(socket);
      }
    };
    const onConnect = () => finish();
    const onError = (err: Error) => finish(new LanmeshError('IO', `cannot connect to ${where}: ${err.message}`, { cause: err }));
    const onAbort = () => finish(new LanmeshError('CONNECTION_CLOSED', `connect to ${where} aborted`, { cause: signal?.reason }));
    const timer = setTimeout(() => finish(new LanmeshError('TIMEOUT', `no answer from ${where} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An IPv4 address without its IPv6-mapped prefix (`::ffff:10.0.0.5` → `10.0.0.5`). */
export function plainAddress(addr: string | undefined): string {
  if (!addr) return 'unknown';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
