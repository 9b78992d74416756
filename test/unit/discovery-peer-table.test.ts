// PeerTable: up / update / down events and TTL expiry on an injected clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asPeerId, portSet } from '../../src/types.js';
import { MAX_TTL_MS, PeerTable, type RemotePeer } from '../../src/discovery/peer-table.js';
import type { RemotePeerInfo } from '../../src/discovery/records.js';

const a: RemotePeerInfo = { id: asPeerId('aaaaaaaaaaaaaaaa'), name: 'a', address: '127.0.0.1', ports: portSet(9001), rev: 1 };
const b: RemotePeerInfo = { id: asPeerId('bbbbbbbbbbbbbbbb'), name: 'b', address: '127.0.0.1', ports: portSet(9101), rev: 1 };

function recorder(table: PeerTable) {
  const events: string[] = [];
  table.on('peer:up', (p) => events.push(`up ${p.name}`));
  table.on('peer:update', (p, prev) => events.push(`update ${prev.name}→${p.name} rev ${prev.rev}→${p.rev}`));
  table.on('peer:down', (p, reason) => events.push(`down ${p.name} ${reason}`));
  return events;
}

test('up once, silent refresh, update on change, two peers on one address stay apart', () => {
  let now = 1000;
  const table = new PeerTable({ now: () => now });
  const events = recorder(table);
  table.upsert(a, 9000);
  table.upsert(b, 9000);
  now = 2000;
  table.upsert(a, 9000);
  assert.equal(events, ['up a', 'up b']);
  assert.is(table.get(a.id)?.lastSeen, 2000);
  assert.is(table.get(a.id)?.expiresAt, 11000);
  table.upsert({ ...a, rev: 2 }, 9000);
  table.upsert({ ...a, rev: 2, name: 'a2' }, 9000);
  table.upsert({ ...a, rev: 2, name: 'a2', address: '10.0.0.9' }, 9000);
  table.upsert({ ...a, rev: 2, name: 'a2', address: '10.0.0.9', ports: portSet(9201) }, 9000);
  assert.equal(events.slice(2), [
    'update a→a rev 1→2',
    'update a→a2 rev 2→2',
    'update a2→a2 rev 2→2',
    'update a2→a2 rev 2→2',
  ]);
  assert.is(table.size, 2);
  assert.equal(table.list().map((p) => p.id), [a.id, b.id]);
});

test('expire drops exactly the peers whose TTL ran out, with reason expired', () => {
  let now = 0;
  const table = new PeerTable({ now: () => now });
  const events = recorder(table);
  table.upsert(a, 2000);
  table.upsert(b, 9000);
  now = 1999;
  assert.is(table.expire(), 0);
  now = 2000;
  assert.is(table.expire(), 1);
  assert.equal(events, ['up a', 'up b', 'down a expired']);
  assert.is(table.get(a.id), undefined);
  assert.is(table.expire(8999), 0);
  assert.is(table.expire(9000), 1);
  assert.is(table.size, 0);
});

test('goodbye removes at once; unknown ids and repeats are no-ops; a returning peer is up again', () => {
  const table = new PeerTable({ now: () => 0 });
  const events = recorder(table);
  table.upsert(a, 9000);
  assert.ok(table.goodbye(a.id));
  assert.not.ok(table.goodbye(a.id));
  assert.not.ok(table.goodbye(b.id));
  table.upsert(a, 9000);
  assert.equal(events, ['up a', 'down a goodbye', 'up a']);
});

test('refresh pushes expiry out; returned and listed peers are copies', () => {
  let now = 0;
  const table = new PeerTable({ now: () => now });
  table.upsert(a, 2000);
  now = 1500;
  table.upsert(a, 2000);
  now = 3000;
  assert.is(table.expire(), 0);
  const got = table.get(a.id) as RemotePeer;
  got.ports.sender = 1;
  table.list()[0]!.name = 'changed';
  assert.is(table.get(a.id)?.ports.sender, 9002);
  assert.is(table.get(a.id)?.name, 'a');
});

const fake = (i: number, address: string): RemotePeerInfo => ({
  id: asPeerId(i.toString(16).padStart(16, '0')), name: `fake${i}`, address, ports: portSet(9001), rev: 1,
});

test('TTLs are capped: an announcement cannot keep a peer forever', () => {
  // Issue 15 item 7: 5,000 fakes with TTL 2^31-1 were listed forever.
  let now = 0;
  const table = new PeerTable({ now: () => now });
  table.upsert(a, (2 ** 31 - 1) * 1000);
  assert.is(table.get(a.id)!.expiresAt, MAX_TTL_MS);
  now = MAX_TTL_MS;
  assert.is(table.expire(), 1);
});

test('one source address holds at most its share; a full table makes room only from the biggest source', () => {
  const table = new PeerTable({ now: () => 0, maxPeers: 10, maxPerSource: 4 });
  const events = recorder(table);
  for (let i = 0; i < 100; i++) table.upsert(fake(i, '10.0.0.66'), 9000);
  assert.is(table.size, 4, 'one attacker address: 4 of 100');
  assert.ok(table.upsert(fake(0, '10.0.0.66'), 9000), 'a known peer refreshes whatever the cap');
  for (let i = 0; i < 4; i++) table.upsert(fake(100 + i, '10.0.0.67'), 9000);
  table.upsert(a, 9000);
  table.upsert(b, 9000);
  assert.is(table.size, 10);
  // Full: an honest peer from a new address gets in by evicting from a source with 4.
  const honest = { ...fake(999, '10.0.0.5'), name: 'honest' };
  assert.ok(table.upsert(honest, 9000));
  assert.is(table.size, 10);
  assert.equal(events.filter((e) => e.startsWith('down')), ['down fake1 evicted'], 'the oldest of the biggest source');
  // A source as small as the newcomer's would be gives nothing up.
  const t2 = new PeerTable({ now: () => 0, maxPeers: 2, maxPerSource: 4 });
  t2.upsert(fake(1, '10.0.0.1'), 9000);
  t2.upsert(fake(2, '10.0.0.2'), 9000);
  assert.is(t2.upsert(fake(3, '10.0.0.3'), 9000), undefined);
  assert.is(t2.size, 2);
});

test('goodbye with a grace (RFC 6762 §10.1): gone after it with reason goodbye, kept by an announcement in it', () => {
  let now = 0;
  const table = new PeerTable({ now: () => now });
  const events = recorder(table);
  table.upsert(a, 9000);
  table.upsert(b, 9000);
  assert.ok(table.goodbye(a.id, 1000));
  assert.ok(table.goodbye(b.id, 1000));
  assert.is(table.size, 2, 'not at once');
  now = 500;
  table.upsert(b, 9000);
  now = 1000;
  assert.is(table.expire(), 1);
  assert.equal(events, ['up a', 'up b', 'down a goodbye']);
  assert.ok(table.get(b.id), 'announced again within the grace: stays');
  now = 9499;
  assert.is(table.expire(), 0, 'and its goodbye was forgotten');
});

test.run();
