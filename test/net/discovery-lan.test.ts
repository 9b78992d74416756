// MdnsDiscovery across hosts: one process per network namespace on a bridged LAN (test/support/lan.ts).
// Peers learn each other's LAN address from packet sources; goodbye and crash are seen across the wire.
// The same file is the child: with LANMESH_DISCOVERY_CHILD set it runs one discovery and reports events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { asPeerId, portSet } from '../../src/types.js';
import { MdnsDiscovery } from '../../src/discovery/mdns-discovery.js';
import type { RemotePeer } from '../../src/discovery/peer-table.js';
import { createLan, inNetns, lanUnavailableReason, type LanHost } from '../support/lan.js';
import { skipUnlessIsolated } from '../support/isolation.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const CHILD_ENV = 'LANMESH_DISCOVERY_CHILD';

/** Child role: stdout gets one JSON line per event; stdin `rev N` updates; stdin EOF stops with goodbye. */
async function runChild(spec: { name: string; ttlSec: number }): Promise<void> {
  const d = new MdnsDiscovery({
    self: { id: asPeerId(randomBytes(8).toString('hex')), name: spec.name, ports: portSet(9001), rev: 1 },
    ttlSec: spec.ttlSec,
  });
  const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const peer = (p: RemotePeer) => ({ id: p.id, name: p.name, address: p.address, rev: p.rev });
  d.on('warning', (e) => out({ event: 'warning', message: e.message }));
  d.table.on('peer:up', (p) => out({ event: 'up', ...peer(p) }));
  d.table.on('peer:update', (p) => out({ event: 'update', ...peer(p) }));
  d.table.on('peer:down', (p, reason) => out({ event: 'down', reason, ...peer(p) }));
  await d.start();
  out({ event: 'started', id: d.info.id });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (l) => {
    const m = /^rev (\d+)$/.exec(l);
    if (m) d.update({ rev: Number(m[1]) });
  });
  await once(lines, 'close');
  await d.stop();
}

interface Child {
  host: LanHost;
  proc: ChildProcess;
  events: Array<Record<string, unknown>>;
  id: string;
}

async function startChild(host: LanHost, ttlSec: number): Promise<Child> {
  const argv = inNetns(host, [process.execPath, '--enable-source-maps', fileURLToPath(import.meta.url)]);
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ name: host.name, ttlSec }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events: Array<Record<string, unknown>> = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => events.push({ ...(JSON.parse(l) as object), at: Date.now() }));
  const started = await waitFor(() => events.find((e) => e.event === 'started'), { timeoutMs: 5000, what: `${host.name} started` });
  return { host, proc, events, id: started.id as string };
}

async function endChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = once(c.proc, 'exit');
  c.proc.stdin!.end();
  await exited;
}

const upOf = (c: Child, other: Child) => c.events.find((e) => e.event === 'up' && e.id === other.id);
const downOf = (c: Child, other: Child) => c.events.find((e) => e.event === 'down' && e.id === other.id);

const childSpec = process.env[CHILD_ENV];
if (childSpec) {
  runChild(JSON.parse(childSpec) as { name: string; ttlSec: number }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else {
  const noLan = lanUnavailableReason();
  if (noLan) console.log(`SKIP discovery-lan: ${noLan}`);
  else if (!skipUnlessIsolated('discovery-lan')) {
    test('three hosts: LAN addresses from packet sources, rev update, goodbye, crash expiry', withTimeout(30_000, async () => {
      const lan = await createLan(3);
      const kids: Child[] = [];
      try {
        const t0 = Date.now();
        for (const h of lan.hosts) kids.push(await startChild(h, 3));
        const [a, b, c] = kids as [Child, Child, Child];
        await waitFor(() => kids.every((k) => kids.every((o) => o === k || upOf(k, o))), { timeoutMs: 2000, what: 'mutual discovery' });
        const lastStart = Math.max(...kids.map((k) => k.events.find((e) => e.event === 'started')!.at as number));
        const upLatency = Math.max(...kids.flatMap((k) => kids.filter((o) => o !== k).map((o) => (upOf(k, o)!.at as number) - lastStart)));
        assert.ok(upLatency < 1000, `slowest discovery after the last start: ${upLatency} ms`);
        for (const k of kids) for (const o of kids) if (o !== k) assert.is(upOf(k, o)!.address, o.host.address);

        a.proc.stdin!.write('rev 5\n');
        await waitFor(() => [b, c].every((k) => k.events.some((e) => e.event === 'update' && e.id === a.id && e.rev === 5)), {
          timeoutMs: 1000,
          what: 'rev 5 seen',
        });

        const tBye = Date.now();
        await endChild(c);
        const byes = await waitFor(
          () => {
            const seen = [downOf(a, c), downOf(b, c)];
            return seen.every(Boolean) ? (seen as Array<Record<string, unknown>>) : undefined;
          },
          // A goodbye takes effect 1 s after it arrives (RFC 6762 §10.1 grace, issue 15 item 12).
          { timeoutMs: 2500, what: 'goodbye' },
        );
        for (const d of byes) assert.is(d.reason, 'goodbye');
        const byeMs = Math.max(...byes.map((d) => (d.at as number) - tBye));

        const tCrash = Date.now();
        b.proc.kill('SIGKILL');
        const gone = await waitFor(() => downOf(a, b), { timeoutMs: 5000, what: 'crash expiry' });
        assert.is(gone.reason, 'expired');
        const crashMs = (gone.at as number) - tCrash;
        assert.ok(crashMs >= 1900 && crashMs <= 4500, `expired after ${crashMs} ms with TTL 3 s`);
        assert.not.ok(a.events.some((e) => e.event === 'warning'), JSON.stringify(a.events.filter((e) => e.event === 'warning')));
        console.log(`  LAN (${Date.now() - t0} ms): up ≤ ${upLatency} ms, goodbye ${byeMs} ms, crash expiry ${crashMs} ms`);
      } finally {
        for (const k of kids) if (k.proc.exitCode === null && k.proc.signalCode === null) k.proc.kill('SIGKILL');
        await Promise.all(kids.map((k) => (k.proc.exitCode === null && k.proc.signalCode === null ? once(k.proc, 'exit') : undefined)));
        await lan.close();
      }
    }));
  }
  test.run();
}
