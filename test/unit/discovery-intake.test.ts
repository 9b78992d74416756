// AnnouncementIntake: a known peer is moved or said goodbye for only from its own address (issue 15 item 12).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asPeerId, portSet } from '../../src/types.js';
import { PeerTable } from '../../src/discovery/peer-table.js';
import { AnnouncementIntake, GOODBYE_GRACE_MS } from '../../src/discovery/announcement-intake.js';
import type { RemotePeerInfo } from '../../src/discovery/records.js';

const real: RemotePeerInfo = { id: asPeerId('aaaaaaaaaaaaaaaa'), name: 'real', address: '10.0.0.2', ports: portSet(9001), rev: 1 };
const forged = { ...real, address: '10.0.0.66', ports: portSet(7001) };

function setup() {
  let now = 0;
  const table = new PeerTable({ now: () => now });
  const timers: Array<{ at: number; fn: () => void }> = [];
  const warnings: string[] = [];
  const intake = new AnnouncementIntake(table, {
    later: (ms, fn) => void timers.push({ at: now + ms, fn }),
    warn: (m) => warnings.push(m),
  });
  const advance = (to: number) => {
    now = to;
    for (const t of timers.splice(0)) if (t.at <= now) t.fn(); else timers.push(t);
  };
  return { table, intake, warnings, timers, advance };
}

test('goodbyes and moves from another address are ignored, with one warning for a flood of them', () => {
  const { table, intake, warnings, timers } = setup();
  intake.apply(real, 9, '10.0.0.2:5353');
  for (let i = 0; i < 100; i++) {
    intake.apply(forged, 0, '10.0.0.66:5353');
    intake.apply(forged, 9, '10.0.0.66:5353');
  }
  const p = table.get(real.id)!;
  assert.equal([p.address, p.ports.sender, p.leaving], ['10.0.0.2', 9002, undefined]);
  assert.is(timers.length, 0);
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /^ignored a goodbye for peer aaaaaaaaaaaaaaaa from 10\.0\.0\.66:5353: it is at 10\.0\.0\.2$/);
});

test('its own goodbye takes effect after the grace; repeats set no more timers; an announcement in it keeps the peer', () => {
  const { table, intake, timers, advance } = setup();
  const downs: string[] = [];
  table.on('peer:down', (p, reason) => downs.push(`${p.name} ${reason}`));
  intake.apply(real, 9, '10.0.0.2:5353');
  for (let i = 0; i < 10; i++) intake.apply(real, 0, '10.0.0.2:5353');
  assert.is(timers.length, 1);
  advance(GOODBYE_GRACE_MS - 1);
  assert.ok(table.get(real.id));
  advance(GOODBYE_GRACE_MS);
  assert.equal(downs, ['real goodbye']);
  intake.apply(real, 9, '10.0.0.2:5353');
  intake.apply(real, 0, '10.0.0.2:5353');
  intake.apply(real, 9, '10.0.0.2:5353');
  advance(3 * GOODBYE_GRACE_MS);
  assert.equal(downs, ['real goodbye'], 'announced again within the grace: kept');
  // Once its records there ran out, the peer may be seen at a new address (a real move).
  advance(3 * GOODBYE_GRACE_MS + 9000);
  table.expire();
  intake.apply(forged, 9, '10.0.0.66:5353');
  assert.is(table.get(real.id)!.address, '10.0.0.66');
});

test.run();
