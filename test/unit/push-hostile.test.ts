// The origin side of a push over real loopback sockets, against a hostile recipient that accepts,
// then reports over and over that it holds nothing: the origin sends each chunk once plus the end-game
// cap, never a chunk twice, and a report from an address that is not the recipient's is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { TcpListener } from '../../src/transfer/tcp-listener.js';
import { FramedConnection, dialFramed } from '../../src/wire/connection.js';
import { MAX_FRAME } from '../../src/wire/frame.js';
import { DistributorPort } from '../../src/push/distributor.js';
import { PushRun } from '../../src/push/push-run.js';
import { endgameCap } from '../../src/push/push-plan.js';
import { buildManifest, sha256Hex } from '../../src/store/manifest.js';
import { Bitfield } from '../../src/store/bitfield.js';
import { asPeerId, type PeerId } from '../../src/types.js';
import type { ControlMessage, PushOffer } from '../../src/wire/messages.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const CS = 1024 * 1024;
const N = 24;
const HOST = '127.0.0.1';
const SELF = asPeerId('00000000000000aa');
const EVIL = asPeerId('00000000000000ee');
const SLOW = asPeerId('00000000000000dd');

/** A recipient that accepts every offer; `read` false: it never reads a chunk (its socket fills up). */
async function recipient(read: boolean, onChunk: (i: number) => void) {
  const conns: FramedConnection[] = [];
  let offer: PushOffer | undefined;
  const listener = await TcpListener.listen(0, HOST, 'recipient', (s) => {
    const conn = new FramedConnection(s, { maxFrameBytes: MAX_FRAME, idleTimeoutMs: 0 });
    conns.push(conn);
    conn.on('control', (m: ControlMessage) => {
      if (m.t !== 'push.offer') return;
      offer = m;
      void conn.send({ t: 'push.answer', rid: m.rid, verdict: 'accept' }).then(() => !read && conn.pause());
    });
    conn.on('chunk', (f) => onChunk(f.index));
  });
  return { port: listener.port, offer: () => offer, close: async () => (conns.forEach((c) => c.close()), await listener.close()) };
}

test('a recipient that always claims to hold nothing gets each chunk once; the origin sends at most the file plus the end-game cap', withTimeout(30_000, async () => {
  const data = randomBytes(N * CS);
  const chunk = (i: number) => data.subarray(i * CS, (i + 1) * CS);
  const manifest = buildManifest('x.bin', data.length, CS, Array.from({ length: N }, (_, i) => sha256Hex(chunk(i))));
  const got = new Map<number, number>();
  const evil = await recipient(true, (i) => got.set(i, (got.get(i) ?? 0) + 1));
  const slow = await recipient(false, () => undefined);
  let run: PushRun | undefined;
  const reports = await DistributorPort.start(0, HOST, (m, a) => run?.report(m, a), () => undefined);
  run = new PushRun({
    manifest, self: SELF, distributorPort: reports.port, readChunk: async (i) => chunk(i), onWarning: () => undefined,
    targets: [{ peer: EVIL, name: 'evil', address: HOST, port: evil.port }, { peer: SLOW, name: 'slow', address: HOST, port: slow.port }],
  });
  const lies = await dialFramed(HOST, reports.port, { idleTimeoutMs: 0 });
  try {
    void run.start();
    const offer = await waitFor(() => evil.offer(), { what: 'the offer' });
    const lie = () => lies.send({ t: 'push.report', push: offer.push, peer: EVIL as PeerId, have: new Bitfield(N).toBase64(), fromOrigin: 0, fromPeers: 0, state: 'running' });
    const cap = endgameCap(N, 2);
    const sent = () => run!.rows().reduce((n, r) => n + r.sent, 0);
    // Every chunk leaves once (the slow one's unread share is stolen), then the end game copies what
    // sits unread in the slow one's socket to the liar: at most the cap.
    await waitFor(async () => (await lie(), sent() >= N + cap), { timeoutMs: 10_000, what: 'the end game' }).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(run!.rows())} got ${got.size}`); });
    for (let i = 0; i < 20; i++) await lie();
    // Two of the run's one-second ticks wake its streams again after the last lie.
    for (let i = 0; i < 2; i++) await once(run, 'rows');
    assert.is(sent(), N + cap, `sent ${sent()} chunks for ${N} (+${cap} end game)`);
    assert.ok([...got.values()].every((n) => n === 1), 'no chunk twice to one recipient');
    assert.is(run.rows()[0]!.state, 'receiving');
    // A report naming our recipient from a connection whose address is not its own: refused.
    assert.is(run.report({ t: 'push.report', push: offer.push, peer: EVIL, have: Bitfield.full(N).toBase64(), fromOrigin: N, fromPeers: 0, state: 'done' }, '10.9.9.9'), false);
    assert.is(run.rows()[0]!.state, 'receiving');
  } finally {
    run.close();
    lies.close();
    await reports.close();
    await evil.close();
    await slow.close();
  }
}));

test.run();
