// A listener whose plain sockets read into one reused buffer (transfer/reused-reads.ts), over real
// TCP on 127.0.0.1: chunk frames from two senders at once arrive whole and intact, backpressure
// (pause) holds, and close() still completes (the server counts its connections right).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { TcpListener } from '../../src/transfer/tcp-listener.js';
import { FramedConnection, type ChunkFrame } from '../../src/wire/connection.js';
import { encodeChunk } from '../../src/wire/frame.js';
import { OPEN_MESH } from '../../src/wire/secure-socket.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('two senders, 24 chunks each, through one shared read buffer: every chunk intact; close() completes', withTimeout(30_000, async () => {
  const readInto = Buffer.allocUnsafe(256 * 1024);
  const got: Array<{ from: number; index: number; sum: string }> = [];
  const transients: Array<boolean | undefined> = [];
  const conns: FramedConnection[] = [];
  const listener = await TcpListener.listen(0, '127.0.0.1', 'test', (s, _initial, transient) => {
    transients.push(transient);
    const conn = new FramedConnection(s, { transientReads: transient, idleTimeoutMs: 0 });
    conns.push(conn);
    conn.on('chunk', (f: ChunkFrame) => {
      // Kept past this call on purpose: a view of the read buffer would be overwritten by later reads.
      setImmediate(() => got.push({ from: f.token[0]!, index: f.index, sum: sha(f.data) }));
    });
  }, 8, 8, { security: OPEN_MESH, readInto });
  const sent = new Map<string, string>();
  const senders: Socket[] = [];
  try {
    for (const from of [1, 2]) {
      const s = connect(listener.port, '127.0.0.1');
      senders.push(s);
      await once(s, 'connect');
      const token = Buffer.alloc(16, from);
      for (let i = 0; i < 24; i++) {
        const data = randomBytes(i % 3 === 0 ? 1000 + i : 1024 * 1024 - i);
        sent.set(`${from}/${i}`, sha(data));
        s.write(encodeChunk(token, i, data));
      }
    }
    await waitFor(() => got.length === 48 || undefined, { timeoutMs: 20_000, what: '48 chunks' });
    assert.equal(transients, [true, true], 'both sockets read into the shared buffer');
    for (const g of got) assert.is(g.sum, sent.get(`${g.from}/${g.index}`), `chunk ${g.index} from sender ${g.from}`);

    // Backpressure: a paused connection reads nothing more until resumed.
    const conn = conns[0]!;
    conn.pause();
    const before = got.length;
    const more = randomBytes(4 * 1024 * 1024);
    senders[0]!.write(encodeChunk(Buffer.alloc(16, 1), 99, more));
    await new Promise((r) => senders[0]!.write('', r));
    await new Promise((r) => setTimeout(r, 200)); // a negative check: nothing may arrive in this time
    assert.is(got.length, before, 'nothing delivered while paused');
    conn.resume();
    await waitFor(() => got.length === before + 1 || undefined, { timeoutMs: 10_000, what: 'the chunk after resume' });
    assert.is(got.at(-1)!.sum, sha(more));

    // One sender leaves; the listener still closes (its connection count went down with the socket).
    senders[1]!.destroy();
    await once(conns[1]!, 'close');
  } finally {
    for (const s of senders) s.destroy();
    await listener.close();
  }
}));

test.run();
