// Fake P2P-CI upload servers for the GET client tests: each answers any GET with fixed bytes, and
// closes after them or not, the way the loose servers seen in the wild do.
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** Listens on 127.0.0.1 (any port); close() destroys the sockets in `sockets` and stops listening. */
export async function listen<T extends object>(server: Server, sockets: Set<Socket>, extra: T): Promise<T & { port: number; close: () => Promise<void> }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    ...extra,
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A fake upload server that answers any GET with `reply` pieces and then closes, or not. */
export async function fakeUpload(reply: Buffer[], { close = true } = {}): Promise<{ port: number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    let buf = '';
    s.on('data', (b) => {
      buf += b.toString();
      if (!buf.endsWith('\r\n\r\n')) return;
      requests.push(buf);
      for (const part of reply) s.write(part);
      if (close) s.end();
    });
  });
  return listen(server, sockets, { requests });
}

/** The spec's header block for a `len`-byte file, with or without its empty line. */
export const hdr = (len: number, blank = true) =>
  `P2P-CI/1.0 200 OK\r\nDate: Tue, 02 Jan 2024 03:04:05 GMT\r\nOS: X\r\nLast-Modified: Tue, 06 Jun 2023 07:08:09 GMT\r\nContent-Length: ${len}\r\nContent-Type: text/plain\r\n${blank ? '\r\n' : ''}`;
