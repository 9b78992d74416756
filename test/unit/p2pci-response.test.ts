import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResponseParser, type P2pciResponse } from '../../src/compat/p2pci/response-parser.js';

const brief = (r: P2pciResponse | undefined) => r && { code: r.code, records: r.records.map((x) => `${x.rfc}|${x.title}|${x.host}|${x.port}`) };
const push = (p: ResponseParser, s: string) => p.push(Buffer.from(s)).map(brief);

const R1 = 'RFC 123 A Proferred Official ICP thishost.csc.ncsu.edu 5678';
const R2 = 'RFC 2345 Domain Names 10.0.0.2 9002';
const B1 = '123|A Proferred Official ICP|thishost.csc.ncsu.edu|5678';
const B2 = '2345|Domain Names|10.0.0.2|9002';

test('strict answer: complete at the empty line after the records, in any slicing', () => {
  const text = `P2P-CI/1.0 200 OK\r\n${R1}\r\n${R2}\r\n\r\n`;
  for (const slice of [1, 2, 5, 1000]) {
    const p = new ResponseParser();
    const out: unknown[] = [];
    for (let i = 0; i < text.length; i += slice) out.push(...push(p, text.slice(i, i + slice)));
    assert.equal(out, [{ code: 200, records: [B1, B2] }], `slice ${slice}`);
    assert.is(p.partial, undefined);
  }
});

test('an empty line after the status line (the spec\'s written format) is accepted', () => {
  const p = new ResponseParser();
  assert.equal(push(p, `P2P-CI/1.0 200 OK\r\n\r\n${R1}\r\n\r\n`), [{ code: 200, records: [B1] }]);
  assert.equal(push(p, 'P2P-CI/1.0 200 OK\r\n\r\n\r\n'), [{ code: 200, records: [] }]);
});

test('200 with no lines and a missing final empty line end when the caller settles', () => {
  const p = new ResponseParser();
  assert.equal(push(p, 'P2P-CI/1.0 200 OK\r\n\r\n'), []);
  assert.ok(p.partial);
  assert.equal(p.settle().map(brief), [{ code: 200, records: [] }]);
  assert.equal(push(p, `P2P-CI/1.0 200 OK\n${R1}\n${R2}\n`), []);
  assert.equal(p.settle().map(brief), [{ code: 200, records: [B1, B2] }]);
  assert.equal(p.settle(), []);
  // An unterminated last line counts once the data stops, even a lone status line.
  assert.equal(push(p, `P2P-CI/1.0 200 OK\r\n${R1}`), []);
  assert.equal(p.settle().map(brief), [{ code: 200, records: [B1] }]);
  assert.equal(push(p, 'P2P-CI/1.0 404 Not Found'), []);
  assert.ok(p.midResponse);
  assert.equal(p.settle().map(brief), [{ code: 404, records: [] }]);
  assert.not.ok(p.midResponse);
});

test('errors are complete at their status line; a following empty line is skipped', () => {
  const p = new ResponseParser();
  assert.equal(push(p, 'P2P-CI/1.0 404 Not Found\r\n'), [{ code: 404, records: [] }]);
  assert.equal(push(p, '\r\nP2P-CI/1.0 400 Bad Request\r\n\r\nP2P-CI/1.0 505 P2P-CI Version Not Supported\r\n'), [
    { code: 400, records: [] },
    { code: 505, records: [] },
  ]);
  assert.is(p.partial, undefined);
});

test('a status line ends an unterminated answer; stray and odd lines are counted, not records', () => {
  const p = new ResponseParser();
  assert.equal(push(p, `junk before\r\nP2P-CI/1.0 200 OK\r\n${R1}\r\nnot a record\r\nP2P-CI/1.0 404 Not Found\r\n`), [
    { code: 200, records: [B1] },
    { code: 404, records: [] },
  ]);
  assert.is(p.stray, 1);
  const q = new ResponseParser();
  const [r] = q.push(Buffer.from(`P2P-CI/1.0 200 OK\r\n${R1}\r\nnot a record\r\n\r\n`));
  assert.is(r!.skipped, 1);
  assert.equal(r!.lines, ['P2P-CI/1.0 200 OK', R1, 'not a record']);
});

test('limits: an endless line or endless body sets error and stops parsing', () => {
  const p = new ResponseParser(64);
  assert.equal(p.push(Buffer.from('P2P-CI/1.0 200 OK\r\n' + 'x'.repeat(65))), []);
  assert.ok(p.error);
  assert.equal(p.push(Buffer.from('\r\nP2P-CI/1.0 404 Not Found\r\n')), []);
  const q = new ResponseParser(100, 3);
  q.push(Buffer.from(`P2P-CI/1.0 200 OK\r\n${R1}\r\n${R1}\r\n${R1}\r\n${R1}\r\n`));
  assert.ok(q.error);
});

test('fuzz: random slices of answers and garbage never throw and never buffer past the cap', () => {
  let seed = 0x1234567;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pieces = ['P2P-CI/1.0 200 OK\r\n', 'P2P-CI/1.0 404 Not Found\r\n', `${R1}\r\n`, '\r\n', '\n', 'RFC ', ' 70000', 'z'.repeat(200)];
  for (let round = 0; round < 50; round++) {
    const p = new ResponseParser(256, 50);
    for (let i = 0; i < 200; i++) {
      const chunk = rand(3) === 0 ? Buffer.from(Array.from({ length: rand(64) }, () => rand(256))) : Buffer.from(pieces[rand(pieces.length)]!);
      for (const r of p.push(chunk)) assert.ok(r.code >= 100 && r.code <= 999 && r.records.length <= 50);
      const pending = (p as unknown as { reader: { pendingBytes: number } }).reader.pendingBytes;
      assert.ok(pending <= 256, `pending ${pending}`);
      if (rand(20) === 0) p.settle();
    }
  }
});

test.run();
