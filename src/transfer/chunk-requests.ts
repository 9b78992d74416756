// chunks.get and chunks.cancel on the sender port (T+1): checks the file is held, hands the request
// to the uploads (which dial the requester's address back) and acknowledges it, or says why not.
import type { Socket } from 'node:net';
import type { RequestHandler } from './sender.js';
import type { ChunkSource, UploadManager } from './upload.js';
import type { UploadTally } from './upload-tally.js';
import { plainAddress } from './tokens.js';
import type { ControlMessage, WireErrorCode } from '../wire/messages.js';
import type { FramedConnection } from '../wire/connection.js';
import { describeError, isLanmeshError } from '../errors.js';

export function chunkRequestHandler(uploads: UploadManager, source: ChunkSource, tally?: UploadTally): RequestHandler {
  /** Control connections whose close already ends their upload rows. */
  const watched = new WeakSet<FramedConnection>();
  return async (msg: ControlMessage, conn: FramedConnection, socket: Socket): Promise<boolean> => {
    const address = plainAddress(socket.remoteAddress);
    if (msg.t === 'chunks.cancel') {
      uploads.cancel(address, msg.token, msg.chunks);
      return true;
    }
    if (msg.t !== 'chunks.get' && msg.t !== 'files.get') return false;
    // A requester that hung up meanwhile (its download finished) needs no answer: not a warning.
    const reply = (m: ControlMessage) => conn.send(m).catch((e: unknown) => {
      if (!isLanmeshError(e, 'CONNECTION_CLOSED')) throw e;
    });
    const fail = (code: WireErrorCode, message: string) => reply({ t: 'error', rid: msg.rid, code, message });
    // files.get: what is not held here (or is more than one chunk) is answered by chunk.missing, frame by frame.
    const held = msg.t === 'chunks.get' ? source.has(msg.id) : msg.ids.some((id) => source.has(id));
    if (!held) {
      await fail('NOT_FOUND', msg.t === 'chunks.get' ? `no file ${msg.id} here` : `none of these ${msg.ids.length} files here`);
      return true;
    }
    const req = msg.t === 'chunks.get'
      ? { address, port: msg.port, id: msg.id, chunks: msg.chunks, token: msg.token }
      : { address, port: msg.port, id: msg.ids[0]!, ids: msg.ids, chunks: msg.ids.map((_, i) => i), token: msg.token };
    // Before the enqueue, so the first chunk sent is counted; a request that fails sends nothing.
    // (A session's files.get batches are one row, "N files": a folder or many small downloads.)
    if (tally && !conn.isClosed) {
      if (msg.t === 'chunks.get') tally.begin(conn, msg.token, msg.id, address, msg.port);
      else tally.beginFiles(conn, msg.token, msg.ids, address, msg.port);
      if (!watched.has(conn)) {
        watched.add(conn);
        conn.once('close', () => tally.end(conn));
      }
    }
    try {
      await uploads.enqueue(req);
    } catch (e) {
      if (isLanmeshError(e, 'BUSY')) await fail('BUSY', describeError(e));
      else await fail('INTERNAL', `cannot open a data connection to ${address}:${msg.port}: ${describeError(e)}`);
      return true;
    }
    await reply({ t: 'chunks.ok', rid: msg.rid });
    return true;
  };
}
