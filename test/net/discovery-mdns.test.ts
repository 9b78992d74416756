// MdnsDiscovery over real multicast on loopback, inside a private network namespace only:
// discovery, goodbye, crash expiry, rev updates, hostile datagrams, wire shape, python-zeroconf.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import makeMdns from 'multicast-dns';
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { asPeerId, portSet } from '../../src/types.js';
import { isLanmeshError } from '../../src/errors.js';
import { GOODBYE_GRACE_MS } from '../../src/discovery/announcement-intake.js';
import { MdnsDiscovery, type MdnsDiscoveryInit } from '../../src/discovery/mdns-discovery.js';
import { META_QUERY, SERVICE_TYPE, instanceName, type SelfInfo } from '../../src/discovery/records.js';
import type { PeerDownReason, RemotePeer } from '../../src/discovery/peer-table.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';
import { skipUnlessIsolated } from '../support/isolation.js';

const GROUP = '224.0.0.251';
const PY = '/usr/bin/python3';

function selfInfo(name: string, base: number): SelfInfo {
  return { id: asPeerId(randomBytes(8).toString('hex')), name, ports: portSet(base), rev: 1 };
}

function make(name: string, base: number, extra: Partial<MdnsDiscoveryInit> = {}): MdnsDiscovery {
  const d = new MdnsDiscovery({ self: selfInfo(name, base), ...extra });
  d.on('warning', () => {});
  return d;
}

const stopAll = (ds: MdnsDiscovery[]) => Promise.all(ds.map((d) => d.stop()));
const sees = (d: MdnsDiscovery, others: MdnsDiscovery[]) => others.every((o) => d.table.get(o.info.id));

function nextDown(d: MdnsDiscovery, id: string): Promise<{ reason: PeerDownReason; at: number }> {
  return new Promise((resolve) => {
    const on = (p: RemotePeer, reason: PeerDownReason) => {
      if (p.id !== id) return;
      d.table.off('peer:down', on);
      resolve({ reason, at: Date.now() });
    };
    d.table.on('peer:down', on);
  });
}

/** A plain multicast-dns socket: what any other responder or browser on the LAN would hear. */
async function rawListener() {
  const raw = makeMdns({ reuseAddr: true, loopback: true });
  raw.on('warning', () => {});
  await once(raw, 'ready');
  const responses: Packet[] = [];
  raw.on('response', (p: Packet) => responses.push(p));
  return { raw, responses, close: () => new Promise<void>((r) => raw.destroy(() => r())) };
}

const records = (p: Packet) => [...(p.answers ?? []), ...(p.additionals ?? [])] as Array<Answer & { ttl?: number; flush?: boolean; data: unknown }>;

if (!skipUnlessIsolated('discovery-mdns')) {
  test('three peers on one host find each other within 1 s; goodbye removes after the 1 s RFC 6762 grace, within 1.5 s', withTimeout(10_000, async () => {
    const ds = [make('a', 9000), make('b', 9100), make('c', 9200)];
    try {
      const t0 = Date.now();
      await Promise.all(ds.map((d) => d.start()));
      await waitFor(() => ds.every((d) => sees(d, ds.filter((o) => o !== d))), { timeoutMs: 1000, intervalMs: 10, what: 'mutual discovery' });
      const found = Date.now() - t0;
      for (const d of ds) {
        assert.is(d.table.size, 2, 'never lists itself');
        for (const p of d.table.list()) {
          const o = ds.find((x) => x.info.id === p.id)!;
          assert.is(p.address, '127.0.0.1');
          assert.equal(p.ports, o.info.ports);
          assert.is(p.name, o.info.name);
          assert.is(p.rev, 1);
        }
      }
      const [a, b, c] = ds as [MdnsDiscovery, MdnsDiscovery, MdnsDiscovery];
      const downs = [nextDown(a, c.info.id), nextDown(b, c.info.id)];
      const t1 = Date.now();
      await c.stop();
      const got = await Promise.all(downs);
      for (const g of got) {
        assert.is(g.reason, 'goodbye');
        // RFC 6762 §10.1: a goodbye is acted on one second later, not at once.
        assert.ok(g.at - t1 >= GOODBYE_GRACE_MS - 20 && g.at - t1 < GOODBYE_GRACE_MS + 500, `goodbye took ${g.at - t1} ms`);
      }
      console.log(`  found all in ${found} ms; goodbye seen in ${Math.max(...got.map((g) => g.at - t1))} ms`);
    } finally {
      await stopAll(ds);
    }
  }));

  test('a crashed peer (no goodbye) expires after its TTL, not before', withTimeout(10_000, async () => {
    const a = make('a', 9000, { ttlSec: 2 });
    const b = make('b', 9100, { ttlSec: 2 });
    try {
      assert.is(a.announceIntervalMs, 667);
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => sees(a, [b]), { timeoutMs: 1000, intervalMs: 10, what: 'a sees b' });
      await waitFor(() => Date.now() - a.table.get(b.info.id)!.lastSeen < 50, { timeoutMs: 2000, intervalMs: 5, what: 'a fresh announcement' });
      const down = nextDown(a, b.info.id);
      const t0 = Date.now();
      await b.stop({ goodbye: false });
      const { reason, at } = await down;
      assert.is(reason, 'expired');
      const after = at - t0;
      assert.ok(after >= 1500 && after <= 2600, `expired after ${after} ms (TTL 2 s, sweep 500 ms)`);
      console.log(`  crashed peer expired after ${after} ms`);
    } finally {
      await stopAll([a, b]);
    }
  }));

  test('wire: default TTLs 4500 s (A 120 s), RFC 6763 records, answers PTR and meta queries, goodbye TTL 0', withTimeout(10_000, async () => {
    const l = await rawListener();
    const d = make('wire', 9000);
    try {
      assert.is(d.ttlSec, 4500);
      assert.is(d.announceIntervalMs, undefined);
      await d.start();
      const instance = instanceName(d.info);
      const mine = (p: Packet) => records(p).some((r) => r.type === 'TXT' && r.name === instance);
      const ann = await waitFor(() => l.responses.find(mine), { timeoutMs: 1000, what: 'announcement' });
      const rs = records(ann);
      assert.ok(rs.every((r) => r.ttl === (r.type === 'A' ? 120 : 4500)), JSON.stringify(rs.map((r) => [r.type, r.ttl])));
      const srv = rs.find((r) => r.type === 'SRV')!;
      assert.equal(srv.data, { priority: 0, weight: 0, port: 9001, target: `lanmesh-${d.info.id}.local` });
      assert.ok(srv.flush);
      assert.equal(rs.filter((r) => r.type === 'A').map((r) => r.data), ['127.0.0.1']);
      assert.equal((rs.find((r) => r.type === 'TXT')!.data as Buffer[]).map(String), [
        'v=1', `id=${d.info.id}`, 'name=wire', 'ports=9000,9001,9002,9003', 'rev=1',
      ]);
      assert.ok(rs.some((r) => r.type === 'PTR' && r.name === SERVICE_TYPE && r.data === instance && !r.flush));

      for (const q of [SERVICE_TYPE, META_QUERY]) {
        l.responses.length = 0;
        l.raw.query({ questions: [{ name: q, type: 'PTR' }] });
        const res = await waitFor(() => l.responses.find(mine), { timeoutMs: 500, what: `answer to ${q}` });
        if (q === META_QUERY) assert.ok(records(res).some((r) => r.name === META_QUERY && r.data === SERVICE_TYPE));
      }

      l.responses.length = 0;
      await d.stop();
      const bye = await waitFor(() => l.responses.find(mine), { timeoutMs: 500, what: 'goodbye' });
      assert.ok(records(bye).every((r) => r.ttl === 0));
      assert.ok(records(bye).some((r) => r.type === 'PTR' && r.data === instance));
    } finally {
      await d.stop();
      await l.close();
    }
  }));

  test('legacy unicast query (source port ≠ 5353) gets a unicast answer, id echoed, no cache-flush', withTimeout(5000, async () => {
    const d = make('legacy', 9000);
    const sock = createSocket('udp4');
    try {
      await d.start();
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const reply = once(sock, 'message');
      sock.send(dnsPacket.encode({ type: 'query', id: 4242, questions: [{ name: SERVICE_TYPE, type: 'PTR' }] }), 5353, GROUP);
      const [msg] = (await reply) as [Buffer];
      const p = dnsPacket.decode(msg);
      assert.is(p.id, 4242);
      assert.is(p.type, 'response');
      assert.equal(p.questions?.map((q) => q.name), [SERVICE_TYPE]);
      assert.ok(records(p).every((r) => r.flush === false && (r.ttl ?? 99) <= 10));
      assert.ok(records(p).some((r) => r.type === 'SRV'));
    } finally {
      sock.close();
      await d.stop();
    }
  }));

  test('rev and name updates are announced at once and seen as peer:update', withTimeout(5000, async () => {
    const a = make('a', 9000);
    const b = make('b', 9100);
    try {
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => sees(a, [b]) && sees(b, [a]), { timeoutMs: 1000, what: 'mutual discovery' });
      // Past the 1 s startup announcement, so only update() can explain a fast change.
      await new Promise((r) => setTimeout(r, 1100));
      const events: string[] = [];
      b.table.on('peer:update', (p, prev) => events.push(`${prev.name}/${prev.rev}→${p.name}/${p.rev}`));
      b.table.on('peer:down', () => events.push('down'));
      let t0 = Date.now();
      a.update({ rev: 42 });
      await waitFor(() => b.table.get(a.info.id)?.rev === 42, { timeoutMs: 400, intervalMs: 5, what: 'rev 42' });
      const revMs = Date.now() - t0;
      t0 = Date.now();
      a.update({ name: 'renamed' });
      await waitFor(() => b.table.get(a.info.id)?.name === 'renamed', { timeoutMs: 400, intervalMs: 5, what: 'rename' });
      assert.equal(events, ['a/1→a/42', 'a/42→renamed/42']);
      console.log(`  rev seen in ${revMs} ms, rename in ${Date.now() - t0} ms`);
    } finally {
      await stopAll([a, b]);
    }
  }));

  test('garbage and hostile datagrams on 5353 are warnings, never crashes', withTimeout(8000, async () => {
    const a = make('a', 9000);
    const b = make('b', 9100);
    const sock = createSocket('udp4');
    const warnings: string[] = [];
    b.on('warning', (e) => warnings.push(`${e.code} ${e.message}`));
    try {
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => sees(b, [a]), { timeoutMs: 1000, what: 'b sees a' });
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const bad = (txt: string[], name = `x-${a.info.id}.${SERVICE_TYPE}`) =>
        dnsPacket.encode({ type: 'response', answers: [{ name, type: 'TXT', ttl: 9, data: txt }] });
      const hostile = [
        Buffer.alloc(0),
        Buffer.from('hello'),
        Buffer.alloc(12, 0xff),
        ...Array.from({ length: 200 }, (_, i) => randomBytes(1 + (i % 300))),
        bad(['v=1', `id=${a.info.id}`, 'name=x', 'ports=1,2', 'rev=1']),
        bad(['v=1', 'id=nothex', 'name=x', 'ports=1,2,3,4', 'rev=1']),
        bad(['v=1', `id=${a.info.id}`, 'name=x', 'ports=1,2,3,4', 'rev=1'], `liar-ffffffffffffffff.${SERVICE_TYPE}`),
        bad(Array.from({ length: 500 }, () => 'k='.padEnd(120, 'z'))),
      ];
      await Promise.all(hostile.map((m) => new Promise((r) => sock.send(m, 5353, GROUP, r))));
      await waitFor(() => warnings.length >= 100, { timeoutMs: 2000, what: 'warnings' });
      assert.is(b.table.get(a.info.id)?.ports.sender, 9001, 'hostile packets did not change a');
      assert.is(b.table.size, 1);
      a.update({ rev: 9 });
      await waitFor(() => b.table.get(a.info.id)?.rev === 9, { timeoutMs: 1000, what: 'still working' });
      assert.ok(warnings.some((w) => w.startsWith('BAD_MESSAGE')));
      console.log(`  ${hostile.length} hostile datagrams → ${warnings.length} warnings, no crash`);
    } finally {
      sock.close();
      await stopAll([a, b]);
    }
  }));

  test('start rejects with a typed error when the socket cannot bind; stop is idempotent', withTimeout(5000, async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()));
    const port = blocker.address().port;
    const d = make('x', 9000, { mdns: { port, ip: '127.0.0.1', multicast: false } });
    try {
      const err = await d.start().then(() => null, (e: unknown) => e);
      assert.ok(isLanmeshError(err, 'PORT_IN_USE'), String(err));
      assert.match((err as Error).message, String(port));
      await Promise.all([d.stop(), d.stop()]);
      await d.stop();
      const never = make('y', 9000);
      await never.stop();
      assert.ok(isLanmeshError(await never.start().then(() => null, (e: unknown) => e)));
    } finally {
      blocker.close();
      await d.stop();
    }
  }));

  const hasZeroconf = spawnSync(PY, ['-c', 'import zeroconf'], { stdio: 'ignore' }).status === 0;
  if (!hasZeroconf) {
    console.log(`SKIP python-zeroconf browse: ${PY} cannot import zeroconf (apt-get install -y python3-zeroconf)`);
  } else {
    test('python-zeroconf sees the instance with port and TXT, the type in service enumeration, and the goodbye', withTimeout(20_000, async () => {
      const d = make('py peer', 9000);
      const script = `
import json, sys, time
from zeroconf import Zeroconf, ServiceBrowser, ServiceListener, ZeroconfServiceTypes, IPVersion
T = '${SERVICE_TYPE}.'
zc = Zeroconf(interfaces=['127.0.0.1'], ip_version=IPVersion.V4Only)
def out(o): print(json.dumps(o), flush=True)
class L(ServiceListener):
    def add_service(self, zc, type_, name):
        i = zc.get_service_info(type_, name, timeout=3000)
        out({'event': 'add', 'name': name, 'port': i.port if i else None, 'server': i.server if i else None,
             'addresses': i.parsed_addresses() if i else [],
             'txt': {k.decode(): (v or b'').decode() for k, v in i.properties.items()} if i else {}})
    def update_service(self, zc, type_, name): pass
    def remove_service(self, zc, type_, name): out({'event': 'remove', 'name': name})
out({'event': 'types', 'types': list(ZeroconfServiceTypes.find(zc=zc, timeout=1.5))})
b = ServiceBrowser(zc, T, L())
sys.stdin.read()
zc.close()
`;
      const py = spawn(PY, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      py.stderr.on('data', (c: Buffer) => (stderr += c));
      const lines: Array<Record<string, unknown>> = [];
      createInterface({ input: py.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
      try {
        await d.start();
        const instance = `${instanceName(d.info)}.`;
        const types = await waitFor(() => lines.find((l) => l.event === 'types'), { timeoutMs: 8000, what: `zeroconf types ${stderr}` });
        assert.ok((types.types as string[]).includes(`${SERVICE_TYPE}.`), JSON.stringify(types));
        const add = await waitFor(() => lines.find((l) => l.event === 'add' && l.name === instance), { timeoutMs: 8000, what: `zeroconf add ${stderr}` });
        assert.is(add.port, 9001);
        assert.is(add.server, `lanmesh-${d.info.id}.local.`);
        assert.equal(add.addresses, ['127.0.0.1']);
        assert.equal(add.txt, { v: '1', id: d.info.id, name: 'py peer', ports: '9000,9001,9002,9003', rev: '1' });
        await d.stop();
        await waitFor(() => lines.find((l) => l.event === 'remove' && l.name === instance), { timeoutMs: 3000, what: 'zeroconf remove' });
        console.log(`  python-zeroconf: ${JSON.stringify(add)}`);
      } finally {
        py.stdin.end();
        if (py.exitCode === null) await once(py, 'exit');
        await d.stop();
      }
    }));
  }
}

test.run();
