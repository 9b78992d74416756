// records.ts: build → wire → parse round trips, RFC 6763 shape, query matching, hostile input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { asPeerId, portSet } from '../../src/types.js';
import {
  META_QUERY,
  SERVICE_TYPE,
  buildAnswers,
  hostName,
  instanceLabel,
  instanceName,
  isQueryForUs,
  browseQuery,
  parseAnnouncements,
  type SelfInfo,
} from '../../src/discovery/records.js';

const self: SelfInfo = { id: asPeerId('0123456789abcdef'), name: 'peer1', ports: portSet(9001), rev: 7 };
const rinfo = { address: '10.77.0.2' };

/** What a receiver sees: encode to bytes and decode back, as multicast-dns does. */
function wire(p: Packet): Packet {
  return dnsPacket.decode(dnsPacket.encode(p));
}

function response(s: SelfInfo, ttl = 9, addrs = ['10.77.0.2']): Packet {
  return wire({ type: 'response', ...buildAnswers(s, addrs, ttl) });
}

// dns-packet turns TXT strings into Buffers in place, so each packet gets its own array.
function txtRecord(entries: string[], name = instanceName(self), ttl = 9): Packet {
  return wire({ type: 'response', answers: [{ name, type: 'TXT', ttl, data: [...entries] }] });
}

const goodTxt = ['v=1', `id=${self.id}`, 'name=peer1', 'ports=9001,9002,9003,9004', 'rev=7'];

test('round trip: announcement parses back to the same peer, address from rinfo', () => {
  const got = parseAnnouncements(response(self), rinfo);
  assert.equal(got, [{ info: { id: self.id, name: 'peer1', address: '10.77.0.2', ports: self.ports, rev: 7 }, ttlSec: 9 }]);
});

test('goodbye: TTL 0 parses with ttlSec 0 and carries no meta PTR', () => {
  const p = response(self, 0);
  assert.equal(parseAnnouncements(p, rinfo)[0]?.ttlSec, 0);
  const all = [...(p.answers ?? []), ...(p.additionals ?? [])];
  assert.ok(all.every((a) => (a as { ttl?: number }).ttl === 0));
  assert.not.ok(all.some((a) => a.name === META_QUERY));
});

test('RFC 6763 shape: PTR → instance, SRV → sender port on host, TXT, A, meta PTR; flush only on unique records', () => {
  const p = response(self, 9, ['10.77.0.2', '10.77.0.3', 'not-an-ip', '10.77.0.2', '::1']);
  const all = [...(p.answers ?? []), ...(p.additionals ?? [])] as Array<Answer & { flush?: boolean; data: unknown }>;
  const by = (type: string) => all.filter((a) => a.type === type);
  const ptr = by('PTR').find((a) => a.name === SERVICE_TYPE)!;
  assert.is(ptr.data, `peer1-${self.id}.${SERVICE_TYPE}`);
  assert.is(ptr.flush, false);
  const meta = by('PTR').find((a) => a.name === META_QUERY)!;
  assert.is(meta.data, SERVICE_TYPE);
  assert.is(meta.flush, false);
  const srv = by('SRV')[0]!;
  assert.is(srv.name, instanceName(self));
  assert.equal(srv.data, { priority: 0, weight: 0, port: 9002, target: `lanmesh-${self.id}.local` });
  assert.is(srv.flush, true);
  const txt = by('TXT')[0]!;
  assert.equal((txt.data as Buffer[]).map(String), goodTxt);
  assert.is(txt.flush, true);
  assert.equal(by('A').map((a) => [a.name, a.data, a.flush]), [
    [hostName(self.id), '10.77.0.2', true],
    [hostName(self.id), '10.77.0.3', true],
  ]);
  assert.ok(all.every((a) => (a as { ttl?: number }).ttl === 9));
});

test('standard TTLs: PTR, SRV and TXT as given (75 min), host A records at most 120 s (RFC 6762 §10)', () => {
  const { answers, additionals } = buildAnswers(self, ['10.77.0.2'], 4500);
  for (const r of [...answers, ...additionals]) assert.is((r as { ttl?: number }).ttl, r.type === 'A' ? 120 : 4500, r.type);
});

test('names: long, dotted, unicode and control-character names fit DNS labels and TXT limits', () => {
  const names = ['a.b\\c', 'x'.repeat(300), 'é'.repeat(200), '\u0000\u001b[31m', '', '   ', '名前.テスト'];
  for (const name of names) {
    const s = { ...self, name };
    const label = instanceLabel(s);
    assert.ok(Buffer.byteLength(label) <= 63, `label ${label}`);
    assert.ok(label.endsWith(`-${self.id}`));
    assert.not.match(label, /[.\\\u0000-\u001f]/);
    const p = response(s);
    const txt = (p.answers ?? []).find((a) => a.type === 'TXT')!.data as Buffer[];
    assert.ok(txt.every((b) => b.length <= 255));
    const got = parseAnnouncements(p, rinfo);
    assert.is(got.length, 1, `name ${JSON.stringify(name)}`);
    assert.not.match(got[0]!.info.name, /[\u0000-\u001f]/);
  }
});

test('isQueryForUs: our PTR, meta query, our SRV/TXT/A, ANY; not other names, not responses', () => {
  const q = (name: string, type: string): Packet => wire({ type: 'query', questions: [{ name, type: type as 'PTR' }] });
  assert.ok(isQueryForUs(q(SERVICE_TYPE, 'PTR'), self));
  assert.ok(isQueryForUs(q('_LANMESH._tcp.local.', 'PTR'), self));
  assert.ok(isQueryForUs(q(META_QUERY, 'PTR'), self));
  assert.ok(isQueryForUs(q(instanceName(self), 'SRV'), self));
  assert.ok(isQueryForUs(q(instanceName(self), 'TXT'), self));
  assert.ok(isQueryForUs(q(instanceName(self), 'ANY'), self));
  assert.ok(isQueryForUs(q(hostName(self.id), 'A'), self));
  assert.not.ok(isQueryForUs(q(hostName(self.id), 'AAAA'), self));
  assert.not.ok(isQueryForUs(q('_http._tcp.local', 'PTR'), self));
  assert.not.ok(isQueryForUs(q(`other-${self.id}.${SERVICE_TYPE}`, 'SRV'), self));
  assert.not.ok(isQueryForUs(response(self), self));
});

test('isQueryForUs: QU questions (class top bit set) still match', () => {
  const buf = dnsPacket.encode({ type: 'query', questions: [{ name: SERVICE_TYPE, type: 'PTR' }] });
  buf.writeUInt16BE(0x8001, buf.length - 2);
  assert.ok(isQueryForUs(dnsPacket.decode(buf), self));
});

test('isQueryForUs: known-answer suppression (RFC 6762 §7.1)', () => {
  const ka = (ttl: number): Packet =>
    wire({
      type: 'query',
      questions: [{ name: SERVICE_TYPE, type: 'PTR' }],
      answers: [{ name: SERVICE_TYPE, type: 'PTR', ttl, data: instanceName(self) }],
    });
  assert.not.ok(isQueryForUs(ka(8), self, 9));
  assert.ok(isQueryForUs(ka(2), self, 9));
});

test('malformed records are dropped with a reason, never thrown', () => {
  const cases: Array<[string[], string?]> = [
    [goodTxt.filter((e) => !e.startsWith('v='))],
    [goodTxt.filter((e) => !e.startsWith('id='))],
    [goodTxt.filter((e) => !e.startsWith('name='))],
    [goodTxt.filter((e) => !e.startsWith('ports='))],
    [goodTxt.filter((e) => !e.startsWith('rev='))],
    [goodTxt.map((e) => (e.startsWith('v=') ? 'v=2' : e))],
    [goodTxt.map((e) => (e.startsWith('ports=') ? 'ports=1,2,3' : e))],
    [goodTxt.map((e) => (e.startsWith('ports=') ? 'ports=0,2,3,4' : e))],
    [goodTxt.map((e) => (e.startsWith('ports=') ? 'ports=1,2,3,70000' : e))],
    [goodTxt.map((e) => (e.startsWith('rev=') ? 'rev=-1' : e))],
    [goodTxt.map((e) => (e.startsWith('id=') ? 'id=XYZ' : e))],
    [goodTxt, `peer1-ffffffffffffffff.${SERVICE_TYPE}`],
    [goodTxt, `a.b-${self.id}.${SERVICE_TYPE}`],
    [[]],
    [Array.from({ length: 600 }, (_, i) => `k${i}=${'x'.repeat(100)}`)],
  ];
  for (const [entries, name] of cases) {
    const reasons: string[] = [];
    assert.equal(parseAnnouncements(txtRecord(entries, name), rinfo, (r) => reasons.push(r)), []);
    assert.is(reasons.length, 1, `${JSON.stringify(entries).slice(0, 80)} → ${reasons}`);
  }
});

test('remote text in a reason is quoted and printable: one packet cannot print forged lines or escapes', () => {
  // Issue 15 item 11: `unsupported v=${…} on ${name}` and `bad id on ${name}` quoted the packet raw.
  const forged = '1\n! downloaded secret.txt\u001b[2J\u202e';
  const evilName = `x\u001b[31m\nforged-${self.id}.${SERVICE_TYPE}`;
  const cases: Array<[string[], string?]> = [
    [goodTxt.map((e) => (e.startsWith('v=') ? `v=${forged}` : e))],
    [goodTxt.map((e) => (e.startsWith('id=') ? `id=${forged}` : e)), evilName],
    [goodTxt.map((e) => (e.startsWith('rev=') ? 'rev=x' : e)), evilName],
  ];
  for (const [entries, name] of cases) {
    const reasons: string[] = [];
    parseAnnouncements(txtRecord(entries, name), rinfo, (r) => reasons.push(r));
    assert.is(reasons.length, 1);
    assert.not.match(reasons[0]!, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/, JSON.stringify(reasons[0]));
    assert.match(reasons[0]!, /"/, 'remote text is in quotes');
  }
  const ok = parseAnnouncements(txtRecord(goodTxt.map((e) => (e.startsWith('name=') ? 'name=a\u202egnp.exe' : e))), rinfo);
  assert.is(ok[0]!.info.name, 'a\uFFFDgnp.exe', 'bidi overrides in a peer name are made printable too');
});

test('a record without v= is said to be another program, not an unsupported version', () => {
  const reasons: string[] = [];
  parseAnnouncements(txtRecord(goodTxt.filter((e) => !e.startsWith('v='))), rinfo, (r) => reasons.push(r));
  assert.is(reasons.length, 1);
  assert.match(reasons[0]!, /is an instance of another program \(no v= in its TXT\), ignored$/);
  assert.not.match(reasons[0]!, /undefined|unsupported/);
});

test('a browse query lists the peers it knows (known-answer suppression): they stay quiet, others answer', () => {
  const other = { ...self, id: asPeerId('00000000000000ff'), name: 'other' };
  const now = 1_000_000;
  const q = browseQuery([{ id: self.id, name: self.name, expiresAt: now + 4_500_000 }], now);
  assert.equal(q.questions, [{ name: SERVICE_TYPE, type: 'PTR' }]);
  assert.is(q.answers!.length, 1);
  assert.not.ok(isQueryForUs(q as Packet, self, 4500), 'a peer listed with more than half its TTL left does not answer');
  assert.ok(isQueryForUs(q as Packet, other, 4500), 'a peer not listed answers');
  const stale = browseQuery([{ id: self.id, name: self.name, expiresAt: now + 1_000_000 }], now);
  assert.ok(isQueryForUs(stale as Packet, self, 4500), 'under half its TTL left: it answers, refreshing the asker');
  const many = Array.from({ length: 100 }, (_, i) => ({ id: asPeerId(i.toString(16).padStart(16, '0')), name: `p${i}`, expiresAt: now + 60_000 }));
  assert.is(browseQuery(many, now).answers!.length, 32, 'bounded');
});

test('a long name is cut to fit its TXT string (name= + 250 bytes) and still parses', () => {
  const got = parseAnnouncements(response({ ...self, name: 'x'.repeat(300) }), rinfo);
  assert.is(got[0]?.info.name, 'x'.repeat(250));
});

test('first occurrence of a TXT key wins, keys are case-insensitive (RFC 6763 §6.4)', () => {
  const got = parseAnnouncements(txtRecord(['REV=3', ...goodTxt]), rinfo);
  assert.is(got[0]?.info.rev, 3);
});

test('other services, queries and odd shapes parse to nothing and never throw', () => {
  const odd: unknown[] = [
    null,
    undefined,
    {},
    { type: 'response' },
    { type: 'response', answers: 'x' },
    { type: 'response', answers: [null, 5, 'x', { type: 'TXT' }, { type: 'TXT', name: 5 }] },
    { type: 'response', answers: [{ type: 'TXT', name: instanceName(self), ttl: 9, data: 42 }] },
    { type: 'response', answers: [{ type: 'TXT', name: instanceName(self), ttl: -1, data: goodTxt }] },
    { type: 'response', answers: [{ type: 'TXT', name: instanceName(self), class: 'IN', ttl: 9, data: [{}] }] },
    txtRecord(goodTxt, `peer1-${self.id}._http._tcp.local`),
    wire({ type: 'query', questions: [{ name: SERVICE_TYPE, type: 'PTR' }], answers: buildAnswers(self, [], 9).answers }),
  ];
  for (const p of odd) assert.equal(parseAnnouncements(p as Packet, rinfo), []);
  assert.equal(parseAnnouncements(response(self), null as never), []);
  for (const p of odd) assert.not.ok(isQueryForUs(p as Packet, self, 9));
});

test('several peers in one packet are each reported once', () => {
  const b = { ...self, id: asPeerId('fedcba9876543210'), name: 'peer2', ports: portSet(9101) };
  const p = wire({
    type: 'response',
    answers: [...buildAnswers(self, [], 9).answers, ...buildAnswers(b, [], 9).answers, ...buildAnswers(self, [], 9).answers],
  });
  assert.equal(
    parseAnnouncements(p, rinfo).map((a) => [a.info.id, a.info.ports.sender]),
    [
      [self.id, 9002],
      [b.id, 9102],
    ],
  );
});

test('seeded fuzz: 10k mutated packets never throw out of parse or isQueryForUs', () => {
  const base = dnsPacket.encode({ type: 'response', ...buildAnswers(self, ['10.77.0.2'], 9) });
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let decoded = 0;
  for (let i = 0; i < 10_000; i++) {
    const buf = Buffer.from(base.subarray(0, rnd(2) ? base.length : rnd(base.length)));
    for (let k = 0, n = 1 + rnd(8); k < n && buf.length > 0; k++) buf[rnd(buf.length)] = rnd(256);
    let p: Packet;
    try {
      p = dnsPacket.decode(buf);
    } catch {
      continue; // multicast-dns turns this into a warning before we see it
    }
    decoded++;
    for (const a of parseAnnouncements(p, rinfo)) {
      assert.match(a.info.id, /^[0-9a-f]{16}$/);
      assert.ok(a.ttlSec >= 0);
    }
    isQueryForUs(p, self);
  }
  assert.ok(decoded > 100, `only ${decoded} mutated packets decoded`);
});

test.run();
