// MdnsDiscovery construction: defaults and typed errors for bad settings (no socket is opened).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asPeerId, portSet } from '../../src/types.js';
import { isLanmeshError } from '../../src/errors.js';
import { MdnsDiscovery, type MdnsDiscoveryInit } from '../../src/discovery/mdns-discovery.js';

const self = { id: asPeerId('0123456789abcdef'), name: 'p', ports: portSet(9001), rev: 0 };

test('defaults: RFC 6762 TTL 4500 s and no periodic re-announce; a short TTL (≤ 60 s) re-announces at TTL/3', () => {
  const d = new MdnsDiscovery({ self });
  assert.is(d.ttlSec, 4500);
  assert.is(d.announceIntervalMs, undefined);
  assert.is(new MdnsDiscovery({ self, ttlSec: 9 }).announceIntervalMs, 3000);
  assert.is(new MdnsDiscovery({ self, ttlSec: 2 }).announceIntervalMs, 667);
  assert.is(new MdnsDiscovery({ self, ttlSec: 2, announceIntervalMs: 100 }).announceIntervalMs, 100);
});

test('bad settings throw BAD_CONFIG', () => {
  const bad: MdnsDiscoveryInit[] = [
    { self: { ...self, id: asPeerId('XYZ') } },
    { self: { ...self, rev: -1 } },
    { self: { ...self, rev: 1.5 } },
    { self, ttlSec: 0 },
    { self, ttlSec: 2.5 },
    { self, ttlSec: 4501 },
    { self, announceIntervalMs: 0 },
  ];
  for (const init of bad) {
    assert.throws(() => new MdnsDiscovery(init), (e: unknown) => isLanmeshError(e, 'BAD_CONFIG'));
  }
  const d = new MdnsDiscovery({ self });
  assert.throws(() => d.update({ rev: -3 }), (e: unknown) => isLanmeshError(e, 'BAD_CONFIG'));
  d.update({ rev: 4, name: 'q' });
  assert.equal([d.info.rev, d.info.name], [4, 'q']);
});

test.run();
