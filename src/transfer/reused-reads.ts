// Accepted plain sockets that read into one reused buffer. Node gives every socket read a fresh
// 64 KiB buffer; on a 1 GiB pull that cost the downloader ~28 % of its busy time in full GCs
// ("external memory pressure") plus the kernel's zeroing of the fresh pages. Node's `onread`
// option reads into a buffer the caller owns, but only `new Socket()` takes it, never a server; so
// an accepted socket (paused on connect, nothing read yet) is rebuilt around the same handle with
// `onread`. That uses node internals (`_handle`, `_server`): when they are not there the socket is
// kept as it is, which is only slower.
import { Socket } from 'node:net';

/** Read size: bigger reads mean fewer callbacks (the kernel returns up to this much per read). */
export const READ_BUFFER_BYTES = 256 * 1024;

interface Internals {
  _handle?: { useUserBuffer?: unknown; reading?: boolean } | null;
  _server?: unknown;
  server?: unknown;
}

/**
 * The socket to use in place of `s` (accepted with `pauseOnConnect`, no listeners yet): one whose
 * reads land in `buffer` and reach 'data' listeners as views of it, valid only until the listener
 * returns (copy what you keep). It starts paused, like `s`; resume() starts reading. Returns `s`
 * itself when it cannot be rebuilt (then its 'data' slices are ordinary, owned buffers).
 */
export function withReusedReads(s: Socket, buffer: Buffer): { socket: Socket; reused: boolean } {
  const old = s as unknown as Internals;
  const handle = old._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || handle.reading) return { socket: s, reused: false };
  const fresh: Socket = new Socket({
    handle,
    allowHalfOpen: s.allowHalfOpen,
    readable: true,
    writable: true,
    pauseOnCreate: true,
    onread: { buffer, callback: (n: number, buf: Uint8Array) => void fresh.emit('data', (buf as Buffer).subarray(0, n)) },
  } as unknown as ConstructorParameters<typeof Socket>[0]);
  // The server counts its connections through the socket that owns `_server`: hand that over, so
  // server.close() still completes once this socket is gone; the old object must never touch the handle.
  const f = fresh as unknown as Internals;
  f._server = old._server;
  f.server = old.server;
  old._server = null;
  old._handle = null;
  return { socket: fresh, reused: true };
}
