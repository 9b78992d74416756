// The hello codec (docs/PROTOCOL.md "hello"): valid forms round-trip with only known fields kept;
// bad ids, names, ports, addresses and oversized peer lists are refused; random garbage never throws
// anything but BAD_MESSAGE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLanmeshError } from '../../src/errors.js';
import { encodeControl } from '../../src/wire/frame.js';
import { parseValue as parse, refuses } from '../support/message-asserts.js';
import { MAX_HELLO_NAME, MAX_HELLO_PEERS } from '../../src/wire/hello.js';

const self = { id: '0123456789abcdef', name: 'lab-pc', ports: { receiver: 9001, sender: 9002, distributor: 9003, distributee: 9004 }, rev: 17 };
const other = (n: number) => ({ ...self, id: n.toString(16).padStart(16, '0'), address: `10.77.1.${n}` });

test('hello and hello.ok round-trip; unknown fields are dropped', () => {
  const cases: object[] = [
    { t: 'hello', rid: 1 },
    { t: 'hello', rid: 2, from: self },
    { t: 'hello.ok', rid: 3, self },
    { t: 'hello.ok', rid: 4, self, peers: [other(1), other(2)] },
    { t: 'hello.ok', rid: 5, self, peers: Array.from({ length: MAX_HELLO_PEERS }, (_, i) => other(i + 1)) },
  ];
  for (const c of cases) {
    const got = parse(c);
    assert.equal(got, c);
    assert.equal(parse(JSON.parse(encodeControl(got).subarray(5).toString())), c, 'encode → parse is stable');
  }
  const extra = parse({ t: 'hello.ok', rid: 1, self: { ...self, secret: 'x' }, peers: [{ ...other(1), evil: true }], junk: 1 });
  assert.equal(extra, { t: 'hello.ok', rid: 1, self, peers: [other(1)] });
});

test('bad hellos are refused with BAD_MESSAGE', () => {
  refuses({ t: 'hello' }, 'no rid');
  refuses({ t: 'hello', rid: 1, from: 'me' }, 'from not an object');
  refuses({ t: 'hello.ok', rid: 1 }, 'no self');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, id: 'XYZ' } }, 'bad id');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, name: '' } }, 'empty name');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, name: 'n'.repeat(MAX_HELLO_NAME + 1) } }, 'long name');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, ports: { ...self.ports, sender: 0 } } }, 'port 0');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, ports: { ...self.ports, sender: 70000 } } }, 'port > 65535');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, ports: [9001, 9002, 9003, 9004] } }, 'ports as a list');
  refuses({ t: 'hello.ok', rid: 1, self: { ...self, rev: -1 } }, 'negative rev');
  refuses({ t: 'hello.ok', rid: 1, self, peers: {} }, 'peers not a list');
  refuses({ t: 'hello.ok', rid: 1, self, peers: [{ ...other(1), address: '10.77.1.256' }] }, 'bad IPv4');
  refuses({ t: 'hello.ok', rid: 1, self, peers: [{ ...other(1), address: 'evil.example' }] }, 'a name, not an address');
  refuses({ t: 'hello.ok', rid: 1, self, peers: [self] }, 'listed peer without address');
  refuses({ t: 'hello.ok', rid: 1, self, peers: Array.from({ length: MAX_HELLO_PEERS + 1 }, (_, i) => other(i + 1)) }, 'too many peers');
});

test('seeded garbage in hello fields: BAD_MESSAGE or a valid message, never another throw', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const junk = (): unknown => [null, 1, -1, 1.5, '', 'x'.repeat(300), [], {}, true, 65536, '10.0.0.1'][Math.floor(rnd() * 11)];
  for (let i = 0; i < 5000; i++) {
    const s: Record<string, unknown> = { ...self, ports: { ...self.ports } };
    const keys = ['id', 'name', 'ports', 'rev', 'address'];
    s[keys[Math.floor(rnd() * keys.length)]!] = junk();
    const msg = rnd() < 0.5 ? { t: 'hello', rid: 1, from: s } : { t: 'hello.ok', rid: 1, self, peers: [s] };
    try {
      parse(msg);
    } catch (e) {
      assert.ok(isLanmeshError(e, 'BAD_MESSAGE'), String(e));
    }
  }
});

test.run();
