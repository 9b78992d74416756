// P2P-CI index mode end to end with real processes on loopback: `lanmesh index-server` and lanmesh
// peers started with `--index 127.0.0.1:PORT --no-mdns` (no discovery, so no multicast at all).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { IndexServerProcess, startIndexServer } from '../support/index-server-process.js';
import { copySample, REPO } from '../support/samples.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange, freeTcpPort } from '../support/free-port.js';
import { withTimeout } from '../support/with-timeout.js';
import { runCli } from '../support/run-cli.js';

/** The sample RFC each sample folder holds. */
const SAMPLE_RFC = { 1: 791, 2: 793, 3: 768 } as const;

const indexArgs = (port: number) => ['--index', `127.0.0.1:${port}`, '--no-mdns'];
const sender = (p: PeerProcess) => p.info.ports[1];
/** `list` rows as "RFC n host:port" (the index part only). */
const records = (lines: string[]) =>
  lines.slice(1).map((l) => /^[* ] +RFC (\d+) .* (\S+:\d+)$/.exec(l)).filter((m) => m).map((m) => `${m![1]} ${m![2]}`).sort();

async function startIndexPeer(n: 1 | 2 | 3, dir: string, indexPort: number, extra: string[] = []): Promise<PeerProcess> {
  await copySample(n, dir);
  return startPeer({ dir, port: await freePortRange(4), name: `peer${n}`, args: [...indexArgs(indexPort), ...extra] });
}


test('index server + three peers: ADD, LIST ALL, LOOKUP+GET, re-register, SIGKILL and exit drop records', withTimeout(60_000, async () => {
  const tmp = await makeTmpDir();
  const indexPort = await freeTcpPort();
  let idx: IndexServerProcess | undefined;
  const peers: PeerProcess[] = [];
  try {
    idx = await startIndexServer({ port: indexPort, host: '127.0.0.1' });
    for (const n of [1, 2, 3] as const) peers.push(await startIndexPeer(n, join(tmp.path, `peer${n}`), indexPort));
    const [p1, p2, p3] = peers as [PeerProcess, PeerProcess, PeerProcess];
    const rec = (p: PeerProcess, rfc: number) => `${rfc} 127.0.0.1:${sender(p)}`;
    for (const [i, p] of peers.entries()) {
      const rfc = SAMPLE_RFC[(i + 1) as 1 | 2 | 3];
      const line = `* index 127.0.0.1:${indexPort}: registered 1 RFC (${rfc}) as 127.0.0.1:${sender(p)}; mDNS off`;
      assert.is(await p.waitForNotice(/^\* index /), line);
    }

    // LIST ALL through `list`: every peer's RFC with its sender port; ours marked with *.
    const all = [rec(p1, 791), rec(p2, 793), rec(p3, 768)].sort();
    const list = await p2.command('list');
    assert.is(list[0], `index 127.0.0.1:${indexPort}: 3 records (this peer is 127.0.0.1:${sender(p2)})`);
    assert.equal(records(list), all);
    assert.ok(list.some((l) => /^\* +RFC 793 +Transmission Control Protocol \(summary for the lab\) +127\.0\.0\.1:\d+$/.test(l)), list.join('\n'));
    assert.is(list.filter((l) => l.startsWith('*')).length, 1);

    // LOOKUP + GET: byte-identical in downloads/, served by peer1's sender port, then ADDed by peer3.
    const got = await p3.command('download 791');
    assert.equal(got, [`downloaded RFC 791 Internet Protocol (summary for the lab): 944 B from 127.0.0.1:${sender(p1)} → downloads/rfc791.txt`]);
    const want = await readFile(join(REPO, 'peer1', 'shared', 'rfc791.txt'));
    assert.ok((await readFile(join(tmp.path, 'peer3', 'downloads', 'rfc791.txt'))).equals(want), 'downloaded bytes equal the original');
    assert.equal(await readdir(join(tmp.path, 'peer3', '.lanmesh', 'partial')).catch(() => []), [], 'no temp file left');
    await p1.waitForNotice(/^\* p2pci: sent RFC 791 \(944 bytes\) to 127\.0\.0\.1:\d+$/);
    await p3.waitForNotice(new RegExp(`^\\* index 127\\.0\\.0\\.1:${indexPort}: registered RFC 791 .* as 127\\.0\\.0\\.1:${sender(p3)}$`));
    await p2.poll('list', (l) => records(l).includes(rec(p3, 791)), { timeoutMs: 10_000 });
    await idx.waitFor(/LOOKUP RFC 791 P2P-CI\/1\.0/);

    assert.equal(await p3.command('download 4242'), [`error: no peer holds RFC 4242 (index 127.0.0.1:${indexPort}: LOOKUP and LIST ALL)`]);
    assert.equal(await p3.command('download 791'), ['error: RFC 791 is already here (downloads/rfc791.txt)']);
    assert.equal(await p3.command('download notes.txt'), [`error: index mode: download takes an RFC number, got 'notes.txt'`]);

    // A crashed peer: its connection drops, and with it exactly its records.
    const before = idx.stdout.length;
    p1.kill('SIGKILL');
    await p1.exited;
    await idx.waitFor(/disconnected \([^)]*\), 1 record removed/, 10_000, before);
    const afterKill = await p2.poll('list', (l) => !records(l).includes(rec(p1, 791)), { timeoutMs: 10_000 });
    assert.equal(records(afterKill), [rec(p2, 793), rec(p3, 768), rec(p3, 791)].sort());

    // A clean exit: the same.
    assert.is(await p2.exit(), 0);
    const last = await p3.poll('list', (l) => !records(l).includes(rec(p2, 793)), { timeoutMs: 10_000 });
    assert.equal(records(last), [rec(p3, 768), rec(p3, 791)].sort());
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    await idx?.close();
    await tmp.remove();
  }
}));

test('--rfc advertises only the RFCs named; --advertise-host sets Host:', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  const indexPort = await freeTcpPort();
  let idx: IndexServerProcess | undefined;
  let peer: PeerProcess | undefined;
  try {
    idx = await startIndexServer({ port: indexPort, host: '127.0.0.1', quiet: true });
    const dir = join(tmp.path, 'peer');
    await copySample(1, dir);
    await copySample(2, dir);
    peer = await startPeer({ dir, port: await freePortRange(4), args: [...indexArgs(indexPort), '--rfc', '793', '--advertise-host', 'lab-pc'] });
    const list = await peer.command('list');
    assert.equal(records(list), [`793 lab-pc:${sender(peer)}`]);
    assert.match(list[0]!, /\(this peer is lab-pc:\d+\)$/);
  } finally {
    await peer?.close();
    await idx?.close();
    await tmp.remove();
  }
}));

test('the index server goes away: the peer says so, reconnects to the new one and registers again', withTimeout(40_000, async () => {
  const tmp = await makeTmpDir();
  const indexPort = await freeTcpPort();
  let idx: IndexServerProcess | undefined;
  let peer: PeerProcess | undefined;
  try {
    idx = await startIndexServer({ port: indexPort, host: '127.0.0.1' });
    peer = await startIndexPeer(1, join(tmp.path, 'peer1'), indexPort);
    idx.kill('SIGTERM');
    assert.equal(await idx.exited, { code: 0, signal: null });
    // The server closed that connection itself: the log must not blame the peer.
    assert.match(idx.stdout, /disconnected \(closed by the server \(shutting down\)\), 1 record removed\nindex server stopped \(1 peer connection closed\)\n$/);
    await peer.waitForNotice(new RegExp(`^! index 127\\.0\\.0\\.1:${indexPort}: connection lost \\(.*\\); reconnecting$`));
    const down = await peer.command('list');
    assert.match(down[0]!, new RegExp(`^error: not connected to index server 127\\.0\\.0\\.1:${indexPort} \\(reconnecting`));

    idx = await startIndexServer({ port: indexPort, host: '127.0.0.1' });
    await peer.waitForNotice(new RegExp(`^\\* index 127\\.0\\.0\\.1:${indexPort}: connected again; 1 RFC registered$`), 15_000);
    await idx.waitFor(/ADD RFC 791 P2P-CI\/1\.0/);
    assert.equal(records(await peer.command('list')), [`791 127.0.0.1:${sender(peer)}`]);
    assert.is(await peer.exit(), 0);
    await idx.waitFor(/disconnected \(closed by peer\), 1 record removed/);
  } finally {
    await peer?.close();
    await idx?.close();
    await tmp.remove();
  }
}));

test('start-up failures are one line: exit 1 for port in use or index unreachable, 2 for flags that do not fit', withTimeout(40_000, async () => {
  const busy = createServer();
  busy.listen(0, '127.0.0.1');
  await once(busy, 'listening');
  const busyPort = (busy.address() as { port: number }).port;
  const tmp = await makeTmpDir();
  try {
    const inUse = new IndexServerProcess({ port: busyPort, host: '127.0.0.1' });
    assert.equal(await inUse.exited, { code: 1, signal: null });
    assert.is(inUse.stdout, '');
    assert.match(inUse.stderr, /^lanmesh index-server: index server cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*\n$/);

    const closed = await freeTcpPort();
    const port = String(await freePortRange(4));
    // Exit 1: it could not run; exit 2: the command line is wrong (README "Exit codes").
    const cases: Array<[string[], RegExp, number]> = [
      [['-t', port, '--dir', tmp.path, '--index', `127.0.0.1:${closed}`, '--no-mdns'], new RegExp(`^lanmesh: index server: cannot connect to 127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`), 1],
      [['-t', port, '--dir', tmp.path, '--no-mdns'], /^lanmesh: --no-mdns goes with --index HOST\[:PORT\]$/, 2],
      [['-t', port, '--dir', tmp.path, '--rfc', '791'], /^lanmesh: --rfc goes with --index HOST\[:PORT\]$/, 2],
      [['-t', port, '--dir', tmp.path, '--index', 'a:b:c'], /^lanmesh: --index takes HOST or HOST:PORT/, 2],
      [['-t', port, '--dir', tmp.path, '--index', '127.0.0.1', '--port', '7000'], /^lanmesh: --port goes with lanmesh index-server$/, 2],
      [['-t', port, '--dir', tmp.path, '--quiet', '--verbose'], /^lanmesh: --quiet and --verbose do not go together$/, 2],
      [['index-server', '--port', '70000'], /^lanmesh: --port must be 0 to 65535, got 70000$/, 2],
      [['index-server', '--dir', tmp.path], /^lanmesh: --dir does not go with index-server/, 2],
      [['list', '--index', '127.0.0.1'], /^lanmesh: --index does not go with a one-shot command$/, 2],
    ];
    for (const [args, re, code] of cases) {
      const r = await runCli(args);
      assert.is(r.code, code, `${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.is(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), re);
    }
  } finally {
    busy.close();
    await tmp.remove();
  }
}));

test.run();
