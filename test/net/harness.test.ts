// Tests the test harness itself, not lanmesh: hosts of a namespace LAN (support/lan.ts) reach each other
// over TCP and multicast, links can be shaped, close() leaves nothing behind; and support/peer-process.ts
// drives a fake line-mode CLI that keeps the README's contract.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, inNetns, lanUnavailableReason, type Lan, type LanHost } from '../support/lan.js';
import { spawnPeer, startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const unavailable = lanUnavailableReason();
if (unavailable) console.log(`SKIP test/net/harness: ${unavailable}`);
const it = unavailable ? test.skip : test;

const TCP_SERVER = `
const net = require('node:net');
const [addr, port, bytes] = process.argv.slice(1);
const s = net.createServer((c) => {
  console.log('from ' + c.remoteAddress);
  c.on('error', () => {});
  if (Number(bytes) > 0) c.end(Buffer.alloc(Number(bytes), 7));
  else c.once('data', (d) => c.end('echo:' + d));
});
s.listen(Number(port), addr, () => console.log('listening'));`;

const TCP_CLIENT = `
const net = require('node:net');
const [addr, port, msg] = process.argv.slice(1);
const t0 = Date.now();
let n = 0, text = '';
const c = net.connect(Number(port), addr, () => { if (msg) c.write(msg); });
c.on('data', (d) => { n += d.length; if (msg) text += d; });
c.on('end', () => console.log(msg ? 'got ' + text : 'bytes ' + n + ' ms ' + (Date.now() - t0)));
c.on('error', (e) => { console.log('error ' + e.message); process.exitCode = 1; });`;

const MCAST_RECEIVER = `
const dgram = require('node:dgram');
const [group, port, iface] = process.argv.slice(1);
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => { console.log('got ' + m + ' from ' + r.address); s.close(); });
s.bind(Number(port), () => { s.addMembership(group, iface); console.log('joined'); });`;

// Resends until stopped: UDP may drop a datagram, and the receivers exit on the first one.
const MCAST_SENDER = `
const dgram = require('node:dgram');
const [group, port, iface] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
s.bind(() => {
  s.setMulticastTTL(1);
  s.setMulticastInterface(iface);
  const send = () => s.send('hello from ' + iface, Number(port), group);
  send();
  setInterval(send, 200);
  console.log('sending');
});`;

// The line-mode contract, faked: "count" prints a notice before its answer, "list" has a line starting
// with "* " inside its answer, "ping" answers and then sends a warning notice between answers.
const FAKE_CLI = `
const os = require('node:os');
const args = process.argv.slice(2);
const flag = (f) => { const i = args.indexOf(f); return i < 0 ? undefined : args[i + 1]; };
const port = Number(flag('-t'));
if (!Number.isInteger(port) || args.includes('--bad')) { process.stderr.write('lanmesh: bad flag\\n'); process.exit(2); }
const out = (lines) => process.stdout.write(lines.map((l) => l + '\\n').join(''));
out(['* ready ' + (flag('--name') || 'fake') + ' 0123456789abcdef ports ' + [0, 1, 2, 3].map((i) => port + i).join(',')]);
let n = 0;
let chain = Promise.resolve();
const handle = async (cmd) => {
  if (cmd === 'count') { n++; out(['* counted ' + n]); out(['count ' + n, '']); }
  else if (cmd === 'list') out(['2 files on the mesh', '*  a.txt  1 B  fake', '   b.txt  2 B  other', '']);
  else if (cmd === 'slow') { await new Promise((r) => setTimeout(r, 300)); out(['slow done', '']); }
  else if (cmd === 'empty') out(['']);
  else if (cmd === 'ping') { out(['pong', '']); setTimeout(() => out(['! late warning']), 20); }
  else if (cmd === 'addr') out([Object.values(os.networkInterfaces()).flat().filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address).join(' ') || 'none', '']);
  else if (cmd === 'hang') await new Promise(() => setInterval(() => {}, 1000));
  else if (cmd === 'exit') { out(['* bye']); process.exit(0); }
  else out(["error: unknown command '" + cmd + "'", '']);
};
require('node:readline').createInterface({ input: process.stdin })
  .on('line', (l) => { chain = chain.then(() => handle(l.trim())); })
  .on('close', () => chain.then(() => { out(['* bye']); process.exit(0); }));`;

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

async function withFakeCli<T>(fn: (cli: string, dir: string) => Promise<T>): Promise<T> {
  const tmp = await makeTmpDir();
  try {
    const cli = join(tmp.path, 'fake-cli.cjs');
    await writeFile(cli, FAKE_CLI);
    return await fn(cli, tmp.path);
  } finally {
    await tmp.remove();
  }
}

interface NsNode {
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

/** Runs a CommonJS snippet with node inside a host's namespace and watches its stdout lines. */
function nodeIn(host: LanHost, code: string, args: string[]): NsNode {
  const argv = inNetns(host, [process.execPath, '-e', code, ...args]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const waiters = new Set<() => void>();
  const onData = (s: string) => {
    out += s;
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  return {
    output: () => out,
    waitLine(re, timeoutMs = 5000) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => re.test(l));
          if (line === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${host.name}: no line matching ${re} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function stopAll(nodes: NsNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

const netnsNames = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);

it('each host reaches every other host over TCP, and sees only lo and its LAN link', withTimeout(30_000, async () => {
  const lan: Lan = await createLan(3);
  const nodes: NsNode[] = [];
  try {
    const { hosts } = lan;
    assert.equal(hosts.map((h) => h.address), ['10.77.0.1', '10.77.0.2', '10.77.0.3']);
    for (const h of hosts) {
      const links = execFileSync('ip', ['-n', h.netns, '-o', 'link', 'show'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[1]!.trim().split('@')[0]);
      assert.equal(links.sort(), ['lo', h.iface].sort(), `${h.name} links`);
      assert.match(h.iface, /^lmv/);
    }
    const servers = hosts.map((h) => nodeIn(h, TCP_SERVER, [h.address, '7000', '0']));
    nodes.push(...servers);
    await Promise.all(servers.map((s) => s.waitLine(/^listening$/)));
    for (const [i, server] of servers.entries()) {
      const to = hosts[i]!;
      const from = hosts[(i + 1) % hosts.length]!;
      const client = nodeIn(from, TCP_CLIENT, [to.address, '7000', `hi-from-${from.name}`]);
      nodes.push(client);
      assert.is(await client.waitLine(/^(got|error) /), `got echo:hi-from-${from.name}`);
      assert.ok(await server.waitLine(new RegExp(`^from ${from.address.replace(/\./g, '\\.')}$`)));
    }
  } finally {
    await stopAll(nodes);
    await lan.close();
  }
}));

it('multicast on 224.0.0.251 from one host reaches the others', withTimeout(30_000, async () => {
  const lan = await createLan(3);
  const nodes: NsNode[] = [];
  try {
    const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];
    const receivers = [h2, h3].map((h) => nodeIn(h, MCAST_RECEIVER, ['224.0.0.251', '5353', h.address]));
    nodes.push(...receivers);
    await Promise.all(receivers.map((r) => r.waitLine(/^joined$/)));
    const sender = nodeIn(h1, MCAST_SENDER, ['224.0.0.251', '5353', h1.address]);
    nodes.push(sender);
    for (const r of receivers) {
      assert.is(await r.waitLine(/^got /, 10_000), `got hello from ${h1.address} from ${h1.address}`);
    }
  } finally {
    await stopAll(nodes);
    await lan.close();
  }
}));

it('setLinkRate shapes a host link and null removes the shaping', withTimeout(30_000, async () => {
  const lan = await createLan(2);
  const nodes: NsNode[] = [];
  try {
    const [h1, h2] = lan.hosts as [LanHost, LanHost];
    const bytes = 512 * 1024;
    const server = nodeIn(h2, TCP_SERVER, [h2.address, '7001', String(bytes)]);
    nodes.push(server);
    await server.waitLine(/^listening$/);
    const fetchMs = async (): Promise<number> => {
      const client = nodeIn(h1, TCP_CLIENT, [h2.address, '7001', '']);
      nodes.push(client);
      const m = /^bytes (\d+) ms (\d+)$/.exec(await client.waitLine(/^(bytes|error) /, 10_000));
      assert.ok(m, client.output());
      assert.is(Number(m[1]), bytes);
      return Number(m[2]);
    };
    await lan.setLinkRate(h2, 8_000_000); // 1 MB/s: 512 KiB takes about half a second
    const shaped = await fetchMs();
    assert.ok(shaped >= 350, `shaped transfer took only ${shaped} ms`);
    await lan.setLinkRate(h2, null);
    const free = await fetchMs();
    assert.ok(free < shaped / 2, `unshaped ${free} ms vs shaped ${shaped} ms`);
  } finally {
    await stopAll(nodes);
    await lan.close();
  }
}));

it('createLan removes stale namespaces of dead creators; close() removes all of its own', withTimeout(30_000, async () => {
  const dead = spawnSync('true').pid;
  const staleNs = `lm${dead}xdeadh1`;
  const liveNs = `lm${process.ppid}xbeefh1`;
  execFileSync('ip', ['netns', 'add', staleNs]);
  execFileSync('ip', ['netns', 'add', liveNs]);
  let lan: Lan | undefined;
  try {
    lan = await createLan(2);
    const during = netnsNames();
    assert.not.ok(during.includes(staleNs), 'stale namespace of a dead pid was removed');
    assert.ok(during.includes(liveNs), 'namespace of a live pid was kept');
    assert.is(during.filter((n) => n.startsWith(lan!.prefix)).length, 3, 'two hosts and a switch');
    await lan.close();
    await lan.close();
    assert.equal(netnsNames().filter((n) => n.startsWith(lan!.prefix)), []);
  } finally {
    await lan?.close();
    spawnSync('ip', ['netns', 'del', staleNs]);
    spawnSync('ip', ['netns', 'del', liveNs]);
  }
}));

test('peer-process: ready line, answers in order, notices kept apart', withTimeout(20_000, async () => {
  await withFakeCli(async (cli, dir) => {
    const peer = await startPeer({ cli, dir, port: 9100, name: 'p1' });
    try {
      assert.equal(peer.info, { name: 'p1', peerId: '0123456789abcdef', ports: [9100, 9101, 9102, 9103] });
      const [slow, c1, list, c2, empty, bad] = await Promise.all(
        ['slow', 'count', 'list', 'count', 'empty', 'nope'].map((c) => peer.command(c)),
      );
      assert.equal(slow, ['slow done']);
      assert.equal([c1, c2], [['count 1'], ['count 2']]);
      assert.equal(list, ['2 files on the mesh', '*  a.txt  1 B  fake', '   b.txt  2 B  other']);
      assert.equal(empty, []);
      assert.equal(bad, ["error: unknown command 'nope'"]);
      assert.equal(peer.notices, ['* counted 1', '* counted 2']);
      assert.equal(await peer.command('ping'), ['pong']);
      assert.is(await peer.waitForNotice(/^! late/, 5000), '! late warning');
      const from = peer.notices.length;
      assert.equal(await peer.poll('count', (l) => l[0] === 'count 6', { timeoutMs: 5000, intervalMs: 10 }), ['count 6']);
      assert.is(await peer.waitForNotice(/counted/, 1000, { from }), '* counted 3');
      assert.match(peer.output(), /\* ready p1/);
      assert.is(await peer.exit(), 0);
      assert.is(peer.notices.at(-1), '* bye');
      await rejects(peer.command('count'), /has exited/);
    } finally {
      await peer.close();
    }
  });
}));

test('peer-process: start-up failure and timeouts are clear errors; close() kills', withTimeout(20_000, async () => {
  await withFakeCli(async (cli, dir) => {
    const failed = spawnPeer({ cli, dir, port: 9100, args: ['--bad'] });
    await rejects(failed.ready, /exited before ready \(code 2[^]*bad flag/);
    assert.is((await failed.exited).code, 2);
    await rejects(startPeer({ cli, dir, port: 9100, args: ['--bad'] }), /bad flag/);

    const peer = await startPeer({ cli, dir, port: 9200 });
    try {
      await rejects(peer.command('hang', { timeoutMs: 200 }), /no answer to 'hang' within 200 ms/);
      await rejects(peer.waitForNotice(/never/, 100), /no notice matching/);
      const pending = peer.command('count');
      await peer.close();
      await peer.close();
      await rejects(pending, /exited \(code null, signal SIGKILL\)/);
      assert.throws(() => process.kill(peer.pid!, 0), /ESRCH/);
    } finally {
      await peer.close();
    }
  });
}));

it('peer-process: a peer started on a LAN host lives in that host namespace', withTimeout(20_000, async () => {
  const lan = await createLan(1);
  try {
    await withFakeCli(async (cli, dir) => {
      const peer = await startPeer({ cli, dir, port: 9300, host: lan.hosts[0]! });
      try {
        assert.equal(await peer.command('addr'), [lan.hosts[0]!.address]);
        assert.is(await peer.exit(), 0);
      } finally {
        await peer.close();
      }
    });
  } finally {
    await lan.close();
  }
}));

test.run();
