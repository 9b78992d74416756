// A private mesh's traffic as a listener on the wire sees it: two real Peers on loopback talk only
// through a recording relay (hello probes, catalog, manifest, chunk requests, and the seeder's data
// dial-back), and the recorded bytes must not contain a pattern the file is full of. The same run on an
// open mesh must contain it (the recording does see the file). Plus: a wrong secret and no secret are
// refused at the door (nothing listed, one warning), and the download is byte-identical.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Peer, type PeerInit } from '../../src/peer.js';
import type { DownloadEvent, DownloadSummary } from '../../src/transfer/transfer-service.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange } from '../support/free-port.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const SEEDER = '127.0.0.1';
const LEECHER = '127.0.0.2';
/** Where the leecher reaches the seeder, and where the relay dials from (so the seeder dials back here). */
const RELAY_FRONT = '127.0.0.3';
const RELAY_BACK = '127.0.0.4';
const FAST = { probeMs: 200, staticTtlMs: 1500, sweepMs: 100 };
const SECRET = 'correct horse battery staple';
const PATTERN = Buffer.from('LANMESH-KNOWN-PLAINTEXT-PATTERN-0123456789-');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Forwards listen host:port → target host:port (outgoing from `from`), keeping every byte both ways. */
class Relay {
  readonly recorded: Buffer[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  async forward(listenHost: string, port: number, targetHost: string, targetPort: number, from?: string): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect({ host: targetHost, port: targetPort, ...(from ? { localAddress: from } : {}) });
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
        s.on('close', () => this.sockets.delete(s));
      }
      inbound.on('data', (b: Buffer) => this.recorded.push(Buffer.from(b)));
      outbound.on('data', (b: Buffer) => this.recorded.push(Buffer.from(b)));
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, listenHost, () => resolve());
    });
  }

  bytes(): Buffer {
    return Buffer.concat(this.recorded);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

async function folder(root: string, name: string, files: Record<string, Buffer>): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'shared'), { recursive: true });
  for (const [f, b] of Object.entries(files)) await writeFile(join(dir, 'shared', f), b);
  return dir;
}

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

const start = async (dir: string, name: string, host: string, more: Partial<PeerInit> = {}) =>
  Peer.start({ dir, name, port: await freePortRange(4, host), bindHost: host, mdns: false, chunkSize: 64 * 1024, discovery: FAST, ...more });

/** 2 MiB of the pattern, over and over: any unencrypted stretch of the file shows it. */
const fileBytes = (): Buffer => Buffer.concat(Array.from({ length: Math.ceil((2 << 20) / PATTERN.length) }, () => PATTERN));

async function relayedDownload(secret: string | undefined): Promise<{ recorded: Buffer; ok: boolean }> {
  const tmp = await makeTmpDir();
  const relay = new Relay();
  const peers: Peer[] = [];
  const bytes = fileBytes();
  try {
    const extra = secret ? { secret } : {};
    const a = await start(await folder(tmp.path, 'a', { 'known.txt': bytes }), 'a', SEEDER, extra);
    peers.push(a);
    await a.indexed;
    for (let i = 0; i < 4; i++) await relay.forward(RELAY_FRONT, a.ports.receiver + i, SEEDER, a.ports.receiver + i, RELAY_BACK);
    const bPort = await freePortRange(4, LEECHER);
    // The seeder dials back to where the request came from (the relay's back side), at b's receiver port;
    // b takes data only from the address it asked, so the relay's leg to b starts at its front address.
    await relay.forward(RELAY_BACK, bPort, LEECHER, bPort, RELAY_FRONT);
    const b = await start(await folder(tmp.path, 'b', {}), 'b', LEECHER, { ...extra, port: bPort, staticPeers: [{ host: RELAY_FRONT, port: a.ports.receiver }] });
    peers.push(b);
    await waitFor(() => b.files().some((f) => f.names.includes('known.txt')), { what: 'b lists a file through the relay' });
    const done = finished(b);
    await b.download('known.txt');
    const summary = await done;
    const ok = sha(await readFile(summary.path)) === sha(bytes);
    return { recorded: relay.bytes(), ok };
  } finally {
    for (const p of peers) await p.stop();
    await relay.close();
    await tmp.remove();
  }
}

test('private mesh: a recorded download carries none of the file in the clear, and arrives byte-identical', withTimeout(60_000, async () => {
  const { recorded, ok } = await relayedDownload(SECRET);
  assert.ok(ok, 'downloaded file is byte-identical');
  assert.ok(recorded.length > 2 << 20, `the relay carried the file (${recorded.length} bytes)`);
  assert.is(recorded.indexOf(PATTERN.subarray(0, 16)), -1, 'no 16-byte stretch of the pattern in the recording');
  assert.is(recorded.indexOf(Buffer.from('catalog.get')), -1, 'no request name in the clear either');
}));

test('open mesh, same relay: the recording does show the file (the check above can fail)', withTimeout(60_000, async () => {
  const { recorded, ok } = await relayedDownload(undefined);
  assert.ok(ok);
  assert.ok(recorded.indexOf(PATTERN) >= 0, 'plaintext pattern seen');
}));

test('wrong secret and no secret: refused at the door, nothing listed either way, one warning per address', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const peers: Peer[] = [];
  try {
    const a = await start(await folder(tmp.path, 'a', { 'secret-plans.txt': Buffer.from('private') }), 'a', SEEDER, { secret: SECRET });
    peers.push(a);
    const warnings: string[] = [];
    a.on('warning', (m: string) => warnings.push(m));
    const wrong = await start(await folder(tmp.path, 'w', { 'w.txt': Buffer.from('w') }), 'w', '127.0.0.5', {
      secret: 'another mesh entirely', staticPeers: [{ host: SEEDER, port: a.ports.receiver }],
    });
    peers.push(wrong);
    const open = await start(await folder(tmp.path, 'o', { 'o.txt': Buffer.from('o') }), 'o', '127.0.0.6', {
      staticPeers: [{ host: SEEDER, port: a.ports.receiver }],
    });
    peers.push(open);
    const wrongTarget = () => wrong.staticPeers().find((t) => t.host === SEEDER);
    const openTarget = () => open.staticPeers().find((t) => t.host === SEEDER);
    await waitFor(() => (wrongTarget()?.failures ?? 0) >= 3 && (openTarget()?.failures ?? 0) >= 3, { what: 'both probed a few times' });
    assert.match(wrongTarget()!.lastError ?? '', /secret/, `wrong secret told why: ${wrongTarget()!.lastError}`);
    assert.equal(wrong.peers(), []);
    assert.equal(open.peers(), []);
    assert.equal(a.peers(), [], 'a lists neither');
    assert.ok(!wrong.files().some((f) => f.names.includes('secret-plans.txt')));
    assert.ok(!open.files().some((f) => f.names.includes('secret-plans.txt')));
    assert.equal(a.files().map((f) => f.names[0]), ['secret-plans.txt']);
    // Both dial from 127.0.0.1 (a dial's source is not its bind host): one line per kind, not per probe.
    const refusals = warnings.filter((w) => /refused a connection/.test(w));
    assert.is(refusals.length, 2, refusals.join('\n'));
    assert.ok(refusals.some((w) => /from 127\.0\.0\.1 to the sender port: it did not prove the mesh secret/.test(w)), refusals.join('\n'));
    assert.ok(refusals.some((w) => /from 127\.0\.0\.1 to the sender port: it spoke without TLS/.test(w)), refusals.join('\n'));
  } finally {
    for (const p of peers) await p.stop();
    await tmp.remove();
  }
}));

test('private mesh: a push (distribute) goes over TLS on T+2 and T+3 and arrives byte-identical', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const peers: Peer[] = [];
  try {
    const bytes = fileBytes();
    const a = await start(await folder(tmp.path, 'a', { 'pushed.txt': bytes }), 'a', SEEDER, { secret: SECRET });
    peers.push(a);
    await a.indexed;
    // Same address: a probes b back where b's hello came from (a dial's source is 127.0.0.1).
    const b = await start(await folder(tmp.path, 'b', {}), 'b', SEEDER, { secret: SECRET, staticPeers: [{ host: SEEDER, port: a.ports.receiver }] });
    peers.push(b);
    await waitFor(() => a.peers().some((p) => p.id === b.id) && b.peers().some((p) => p.id === a.id), { what: 'both see each other' });
    const done = new Promise<{ rows: Array<{ state: string }> }>((resolve) => a.once('push:done', resolve));
    const got = finished(b);
    a.distribute('pushed.txt');
    const summary = await done;
    assert.equal(summary.rows.map((r) => r.state), ['done'], JSON.stringify(summary.rows));
    assert.is(sha(await readFile((await got).path)), sha(bytes));
  } finally {
    for (const p of peers) await p.stop();
    await tmp.remove();
  }
}));

test.run();
