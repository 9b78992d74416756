// In-process Peers found with static discovery only (no multicast at all): a hello probe on the
// sender port, the asker learned back, catalogs synced, a download, a stopped peer expiring, and
// add-peer / forget-peer at runtime. Real Peer.start, real sockets on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Peer, type PeerInit } from '../../src/peer.js';
import { execute } from '../../src/session/commands.js';
import type { DownloadEvent, DownloadSummary } from '../../src/transfer/transfer-service.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange } from '../support/free-port.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const HOST = '127.0.0.1';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const FAST = { probeMs: 200, staticTtlMs: 1500, sweepMs: 100 };

async function folder(root: string, name: string, files: Record<string, Buffer>): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'shared'), { recursive: true });
  for (const [f, b] of Object.entries(files)) await writeFile(join(dir, 'shared', f), b);
  return dir;
}

// A static entry names T and probes T+1: the probed peer needs its four ports in a row, not port 0.
const start = async (dir: string, name: string, more: Partial<PeerInit> = {}) =>
  Peer.start({ dir, name, port: await freePortRange(4, HOST), bindHost: HOST, mdns: false, chunkSize: 64 * 1024, discovery: FAST, ...more });

function finished(p: Peer): Promise<DownloadSummary> {
  return new Promise((resolve, reject) => {
    const on = (e: DownloadEvent) => {
      if (e.type === 'done') resolve(e.summary);
      else if (e.type === 'failed') reject(new Error(e.failure.error));
      else return;
      p.off('download', on);
    };
    p.on('download', on);
  });
}

test('one static entry: both see each other, list files, download; a stopped peer goes down', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const bytes = randomBytes(300 * 1024);
  const peers: Peer[] = [];
  try {
    const a = await start(await folder(tmp.path, 'a', { 'big.bin': bytes }), 'a');
    peers.push(a);
    const warnings: string[] = [];
    const b = await start(await folder(tmp.path, 'b', {}), 'b', { staticPeers: [{ host: HOST, port: a.ports.receiver }] });
    peers.push(b);
    b.on('warning', (m: string) => warnings.push(m));
    await waitFor(() => b.peers().some((p) => p.id === a.id && p.files === 1), { what: 'b sees a and its catalog' });
    assert.ok(b.peers()[0]!.static, 'marked static');
    // a was never told about b: it learned b from b's hello and probed it back.
    await waitFor(() => a.peers().some((p) => p.id === b.id), { what: 'a learns b from its hello' });
    const peersOut = (await execute({ peer: b }, 'peers')).lines.join('\n');
    assert.match(peersOut, /a\s+127\.0\.0\.1.*static/);

    const done = finished(b);
    await b.download('big.bin');
    assert.is(sha(await readFile((await done).path)), sha(bytes));

    const down = once(b, 'peer:down');
    const t0 = Date.now();
    await a.stop();
    const [gone, reason] = await down;
    assert.is(gone.id, a.id);
    assert.is(reason, 'expired');
    assert.ok(Date.now() - t0 < 1500 + 1000, `down within its TTL, took ${Date.now() - t0} ms`);
    assert.ok(warnings.every((w) => /does not answer/.test(w)), warnings.join('\n'));
  } finally {
    for (const p of peers) await p.stop();
    await tmp.remove();
  }
}));

test('three real Peers, static discovery only: a file held by two comes from both, then it is seeded; no warning', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const bytes = randomBytes(40 * 64 * 1024 + 123);
  const peers: Peer[] = [];
  const warnings: string[] = [];
  try {
    const a = await start(await folder(tmp.path, 'a', { 'big file ü.bin': bytes }), 'a');
    const b = await start(await folder(tmp.path, 'b', { 'big file ü.bin': bytes }), 'b');
    peers.push(a, b);
    const c = await start(await folder(tmp.path, 'c', {}), 'c', {
      staticPeers: [a, b].map((p) => ({ host: HOST, port: p.ports.receiver })),
    });
    peers.push(c);
    for (const p of peers) p.on('warning', (m: string) => warnings.push(`${p.name}: ${m}`));
    await waitFor(() => c.files().find((f) => f.names[0] === 'big file ü.bin')?.holders.length === 2, { what: 'c lists both holders' });
    const done = finished(c);
    const first = await c.download('big file ü.bin');
    assert.is(first.holders, 2);
    const summary = await done;
    assert.is(sha(await readFile(summary.path)), sha(bytes));
    assert.is(summary.path, join(c.dir, 'downloads', 'big file ü.bin'));
    assert.equal(summary.shares.map((h) => h.name).sort(), ['a', 'b'], 'both holders sent chunks');
    // a learns c from its hello and sees c hold the file now.
    await waitFor(() => a.files().find((f) => f.names[0] === 'big file ü.bin')?.holders.some((h) => h.peerName === 'c') === true,
      { what: 'a sees c seed it' });
    assert.equal(warnings, []);
  } finally {
    for (const p of peers) await p.stop();
    await tmp.remove();
  }
}));

test('add-peer and forget-peer at runtime; bad entries are one clear error', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const peers: Peer[] = [];
  try {
    const a = await start(await folder(tmp.path, 'a', { 'x.txt': Buffer.from('x') }), 'a');
    peers.push(a);
    const b = await start(await folder(tmp.path, 'b', {}), 'b');
    peers.push(b);
    assert.equal(b.peers(), []);
    const added = await execute({ peer: b }, `add-peer ${HOST}:${a.ports.receiver}`);
    assert.match(added.lines[0]!, /static peer 127\.0\.0\.1:\d+ added/);
    await waitFor(() => b.peers().some((p) => p.id === a.id), { what: 'b finds a after add-peer' });
    for (const bad of ['add-peer nothere', 'add-peer host:0', 'add-peer a b:1']) {
      await execute({ peer: b }, bad).then(
        () => assert.unreachable(bad),
        (e: Error) => assert.match(e.message, /HOST:PORT|port must be|not a host name/),
      );
    }
    // doctor from the running peer: its own ports are its own, its static entry answers hello.
    const doc = (await execute({ peer: b }, 'doctor')).lines.join('\n');
    assert.match(doc, /tcp ports: this peer listens on TCP \d+,\d+,\d+,\d+/);
    assert.match(doc, new RegExp(`ok {4}static peer: 127\\.0\\.0\\.1:${a.ports.receiver}: a \\(${a.id}\\)`));
    const forgot = await execute({ peer: b }, 'forget-peer a');
    assert.match(forgot.lines[0]!, /forgot static peer 127\.0\.0\.1:/);
    assert.ok(!b.peers().some((p) => p.id === a.id), 'gone from peers at once');
    await execute({ peer: b }, 'forget-peer a').then(() => assert.unreachable('twice'), (e: Error) => assert.match(e.message, /no static peer/));
  } finally {
    for (const p of peers) await p.stop();
    await tmp.remove();
  }
}));

test('.lanmesh/peers.txt is read at start; a broken line fails start with its line number', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const peers: Peer[] = [];
  try {
    const a = await start(await folder(tmp.path, 'a', {}), 'a');
    peers.push(a);
    const dir = await folder(tmp.path, 'b', {});
    await mkdir(join(dir, '.lanmesh'), { recursive: true });
    await writeFile(join(dir, '.lanmesh', 'peers.txt'), `# lab\n${HOST}:${a.ports.receiver}\n`);
    const b = await start(dir, 'b');
    peers.push(b);
    await waitFor(() => b.peers().some((p) => p.id === a.id), { what: 'b finds a from peers.txt' });
    const broken = await folder(tmp.path, 'c', {});
    await mkdir(join(broken, '.lanmesh'), { recursive: true });
    await writeFile(join(broken, '.lanmesh', 'peers.txt'), `${HOST}:9001\nnot-a-peer\n`);
    await start(broken, 'c').then(
      (p) => (peers.push(p), assert.unreachable('broken peers.txt')),
      (e: Error) => assert.match(e.message, /peers\.txt line 2/),
    );
  } finally {
    for (const p of peers) await p.stop();
    await tmp.remove();
  }
}));

test.run();
