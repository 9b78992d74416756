import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatGetHeader, formatRequest, formatResponse, parseHeaderLine, parseRecordLine, type ParseResult } from '../../src/compat/p2pci/codec.js';
import { RequestParser } from '../../src/compat/p2pci/request-parser.js';

const feed = (text: string | Buffer, slice = 0, parser = new RequestParser()): ParseResult[] => {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  if (slice <= 0) return parser.push(buf);
  const out: ParseResult[] = [];
  for (let i = 0; i < buf.length; i += slice) out.push(...parser.push(buf.subarray(i, i + slice)));
  return out;
};
const strip = (rs: ParseResult[]) => rs.map(({ lines: _l, ...rest }) => rest);

const ADD = 'ADD RFC 123 P2P-CI/1.0\r\nHost: thishost.csc.ncsu.edu\r\nPort: 5678\r\nTitle: A Proferred Official ICP\r\n\r\n';
const ADD_REQ = { method: 'ADD', rfc: 123, host: 'thishost.csc.ncsu.edu', port: 5678, title: 'A Proferred Official ICP' } as const;

test('spec ADD, LOOKUP, LIST ALL and GET parse to typed requests, in any slicing', () => {
  const text =
    ADD +
    'LOOKUP RFC 3457 P2P-CI/1.0\r\nHost: thishost.csc.ncsu.edu\r\nPort: 5678\r\nTitle: Requirements for IPsec Remote Access Scenarios\r\n\r\n' +
    'LIST ALL P2P-CI/1.0\r\nHost: thishost.csc.ncsu.edu\r\nPort: 5678\r\n\r\n' +
    'GET RFC 1234 P2P-CI/1.0\r\nHost: somehost.csc.ncsu.edu\r\nOS: Mac OS 10.4.1\r\n\r\n';
  const expected = [
    ADD_REQ,
    { method: 'LOOKUP', rfc: 3457, host: 'thishost.csc.ncsu.edu', port: 5678, title: 'Requirements for IPsec Remote Access Scenarios' },
    { method: 'LIST', host: 'thishost.csc.ncsu.edu', port: 5678 },
    { method: 'GET', rfc: 1234, host: 'somehost.csc.ncsu.edu', os: 'Mac OS 10.4.1' },
  ];
  for (const slice of [0, 1, 2, 3, 7, 64]) assert.equal(strip(feed(text, slice)), expected, `slice ${slice}`);
  assert.equal(feed(ADD)[0]!.lines, ['ADD RFC 123 P2P-CI/1.0', 'Host: thishost.csc.ncsu.edu', 'Port: 5678', 'Title: A Proferred Official ICP']);
});

test('bare LF, any header case and extra spaces are accepted', () => {
  const r = feed('ADD RFC 123 P2P-CI/1.0\nHOST:thishost.csc.ncsu.edu\nport :  5678 \ntItLe: A Proferred Official ICP\n\n');
  assert.equal(strip(r), [ADD_REQ]);
});

test('a request is complete as soon as its required headers arrive, without the empty line', () => {
  const p = new RequestParser();
  assert.equal(p.push(Buffer.from('ADD RFC 123 P2P-CI/1.0\r\nHost: thishost.csc.ncsu.edu\r\nPort: 5678\r\n')), []);
  assert.ok(p.midRequest);
  assert.equal(strip(p.push(Buffer.from('Title: A Proferred Official ICP\r\n'))), [ADD_REQ]);
  assert.not.ok(p.midRequest);
  // The late empty line and late extra headers are not a new request.
  assert.equal(p.push(Buffer.from('X-Extra: 1\r\n\r\n\r\n')), []);
  assert.equal(strip(p.push(Buffer.from('LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n'))), [{ method: 'LIST', host: 'h', port: 1 }]);
  assert.equal(strip(p.push(Buffer.from('GET RFC 9 P2P-CI/1.0\r\nOS: Linux\r\nHost: h\r\n'))), [{ method: 'GET', rfc: 9, host: 'h', os: 'Linux' }]);
});

test('stray empty lines between requests are skipped', () => {
  assert.equal(strip(feed('\r\n\n\r\n' + ADD + '\r\n\r\n' + ADD)), [ADD_REQ, ADD_REQ]);
});

test('LOOKUP needs only its number; LIST and GET end at the empty line with headers missing', () => {
  assert.equal(strip(feed('LOOKUP RFC 7 P2P-CI/1.0\r\n\r\nLIST ALL P2P-CI/1.0\r\n\r\nGET RFC 7 P2P-CI/1.0\r\nHost: x\r\n\r\n')), [
    { method: 'LOOKUP', rfc: 7, host: '', port: 0, title: '' },
    { method: 'LIST', host: '', port: 0 },
    { method: 'GET', rfc: 7, host: 'x', os: '' },
  ]);
});

test('a request line right after another (no headers, no empty line) ends the first', () => {
  assert.equal(strip(feed('LIST ALL P2P-CI/1.0\r\nLOOKUP RFC 1 P2P-CI/1.0\r\n\r\n')), [
    { method: 'LIST', host: '', port: 0 },
    { method: 'LOOKUP', rfc: 1, host: '', port: 0, title: '' },
  ]);
});

test('version other than P2P-CI/1.0 is 505, answered at once; its headers are skipped', () => {
  const r = feed('ADD RFC 123 P2P-CI/2.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n' + ADD);
  assert.is(r.length, 2);
  assert.equal({ error: r[0]!.error, closeAfter: (r[0] as { closeAfter: boolean }).closeAfter }, { error: 505, closeAfter: false });
  assert.equal(strip([r[1]!]), [ADD_REQ]);
  assert.is(feed('LIST ALL HTTP/1.1\r\n')[0]!.error, 505);
  assert.is(feed('get rfc 1 p2p-ci/1.0\r\nhost: h\r\nos: o\r\n')[0]!.error, undefined);
});

test('malformed requests are 400 and the parser stays usable', () => {
  const cases: [string, string][] = [
    ['hello world\r\n', 'garbage line'],
    ['FETCH RFC 1 P2P-CI/1.0\r\n', 'unknown method'],
    ['ADD RFC abc P2P-CI/1.0\r\n', 'bad number'],
    ['ADD RFC 1\r\n', 'no version'],
    ['LIST SOME P2P-CI/1.0\r\n', 'LIST without ALL'],
    ['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nTitle: t\r\n\r\n', 'ADD without Port'],
    ['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 70000\r\nTitle: t\r\n', 'port out of range'],
    ['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle:\r\n', 'empty title'],
    ['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nthis is not a header\r\nPort: 1\r\n\r\n', 'malformed header'],
    ['\u0000\u0001\u00ff\u00fe\r\n', 'binary'],
    ['ADD RFC 1 P2P-CI/1.0\r\nHost: evil\u0001\r\nPort: 1\r\nTitle: t\r\n', 'control character in Host'],
    ['ADD RFC 1 P2P-CI/1.0\r\nHost: ev\u009bil\r\nPort: 1\r\nTitle: t\r\n', 'C1 control in Host'],
  ];
  for (const [text, what] of cases) {
    const p = new RequestParser();
    const r = feed(text, 0, p);
    assert.is(r.length, 1, what);
    assert.is(r[0]!.error, 400, what);
    assert.is((r[0] as { closeAfter: boolean }).closeAfter, false, what);
    assert.equal(strip(feed(ADD, 0, p)), [ADD_REQ], `usable after ${what}`);
  }
});

test('too many header lines is 400 without closing; the next request still parses', () => {
  const p = new RequestParser({ maxHeaders: 4 });
  const text = 'LOOKUP RFC 1 P2P-CI/1.0\r\n' + 'X-A: 1\r\n'.repeat(6) + '\r\n' + ADD;
  const r = feed(text, 0, p);
  assert.is(r.length, 2);
  assert.equal([r[0]!.error, (r[0] as { closeAfter: boolean }).closeAfter], [400, false]);
  assert.equal(strip([r[1]!]), [ADD_REQ]);
});

test('a line over the cap is 400 with closeAfter, even before its end arrives; then input is ignored', () => {
  const p = new RequestParser({ maxLineBytes: 100 });
  assert.equal(p.push(Buffer.from('ADD RFC 1 P2P-CI/1.0\r\nTitle: ' + 'x'.repeat(50))), []);
  const r = p.push(Buffer.from('y'.repeat(60)));
  assert.is(r.length, 1);
  assert.equal([r[0]!.error, (r[0] as { closeAfter: boolean }).closeAfter], [400, true]);
  assert.equal(p.push(Buffer.from('\r\n' + ADD)), []);
  const q = new RequestParser({ maxLineBytes: 100 });
  assert.is((feed('L'.repeat(101) + '\r\n', 0, q)[0] as { closeAfter: boolean }).closeAfter, true);
  assert.equal(strip(feed('LIST ALL P2P-CI/1.0\r\n\r\n', 0, new RequestParser({ maxLineBytes: 19 }))), [{ method: 'LIST', host: '', port: 0 }]);
});

test('fuzz: 10k random slices of requests and garbage never throw and never buffer past the cap', () => {
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pieces = [ADD, 'LIST ALL P2P-CI/1.0\r\n', 'Host: h\r\n', '\r\n', '\n', ':', 'GET RFC ', 'P2P-CI/9', ' ', 'x'.repeat(300)];
  for (let round = 0; round < 50; round++) {
    const p = new RequestParser({ maxLineBytes: 256, maxHeaders: 8 });
    for (let i = 0; i < 200; i++) {
      let chunk: Buffer;
      if (rand(3) === 0) chunk = Buffer.from(Array.from({ length: rand(64) }, () => rand(256)));
      else chunk = Buffer.from(pieces[rand(pieces.length)]!);
      const results = p.push(chunk);
      for (const r of results) assert.ok(r.error === undefined || r.error === 400 || r.error === 505);
      const pending = (p as unknown as { reader: { pendingBytes: number } }).reader.pendingBytes;
      assert.ok(pending <= 256, `pending ${pending}`);
    }
  }
});

test('formatResponse: status line, record lines, empty line; no empty line after the status line', () => {
  const recs = [
    { rfc: 123, title: 'A Proferred Official ICP', host: 'thishost.csc.ncsu.edu', port: 5678 },
    { rfc: 2345, title: 'Domain Names and Company Name Retrieval', host: '10.0.0.2', port: 9002 },
  ];
  assert.is(
    formatResponse(200, recs).toString(),
    'P2P-CI/1.0 200 OK\r\nRFC 123 A Proferred Official ICP thishost.csc.ncsu.edu 5678\r\nRFC 2345 Domain Names and Company Name Retrieval 10.0.0.2 9002\r\n\r\n',
  );
  assert.is(formatResponse(200).toString(), 'P2P-CI/1.0 200 OK\r\n\r\n');
  assert.is(formatResponse(400).toString(), 'P2P-CI/1.0 400 Bad Request\r\n\r\n');
  assert.is(formatResponse(404).toString(), 'P2P-CI/1.0 404 Not Found\r\n\r\n');
  assert.is(formatResponse(505).toString(), 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n');
  assert.is(formatResponse(200, [{ rfc: 1, title: 'two\r\nlines', host: 'h', port: 1 }]).toString(), 'P2P-CI/1.0 200 OK\r\nRFC 1 two lines h 1\r\n\r\n');
});

test('formatRequest and formatGetHeader write the spec bytes', () => {
  assert.is(formatRequest(ADD_REQ).toString(), ADD);
  assert.is(formatRequest({ method: 'LIST', host: 'h', port: 7 }).toString(), 'LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: 7\r\n\r\n');
  assert.is(formatRequest({ method: 'GET', rfc: 5, host: 'h', os: 'Linux 6' }).toString(), 'GET RFC 5 P2P-CI/1.0\r\nHost: h\r\nOS: Linux 6\r\n\r\n');
  const h = formatGetHeader({ date: new Date(Date.UTC(2006, 3, 10, 13, 5, 12)), os: 'Mac OS 10.2.1', lastModified: new Date(Date.UTC(2006, 3, 9, 23, 29, 3)), length: 12345 });
  assert.is(
    h.toString(),
    'P2P-CI/1.0 200 OK\r\nDate: Mon, 10 Apr 2006 13:05:12 GMT\r\nOS: Mac OS 10.2.1\r\nLast-Modified: Sun, 09 Apr 2006 23:29:03 GMT\r\nContent-Length: 12345\r\nContent-Type: text/plain\r\n\r\n',
  );
});

test('record lines: number first, port last, host second to last, title in between', () => {
  const cases: [string, unknown][] = [
    ['RFC 123 A Proferred Official ICP thishost.csc.ncsu.edu 5678', { rfc: 123, title: 'A Proferred Official ICP', host: 'thishost.csc.ncsu.edu', port: 5678 }],
    ['RFC 7 host 1', { rfc: 7, title: '', host: 'host', port: 1 }],
    ['rfc 7   spaced   title   10.0.0.1   9001  ', { rfc: 7, title: 'spaced   title', host: '10.0.0.1', port: 9001 }],
    ['RFC7 T h 2', { rfc: 7, title: 'T', host: 'h', port: 2 }],
    ['7 Title h 2', { rfc: 7, title: 'Title', host: 'h', port: 2 }],
    ['RFC 7 Title h 70000', undefined],
    ['RFC x Title h 1', undefined],
    ['RFC 7 Title h', undefined],
    ['garbage', undefined],
    // Records from other servers get the same rules as ours: hosts are tokens, titles are cleaned.
    ['RFC 7 Title evil\u0001 2', undefined],
    ['RFC 7 Title ev\u009bil 2', undefined],
    ['RFC 7 Ti\u001b[2Jtle\u0007 h 2', { rfc: 7, title: 'Ti [2Jtle', host: 'h', port: 2 }],
  ];
  for (const [line, want] of cases) assert.equal(parseRecordLine(line), want, line);
});

test('header names: spaces, `_` and `-` normalised, letters first, at most 41 characters', () => {
  assert.equal(parseHeaderLine('Last Modified: Tue'), { name: 'last-modified', value: 'Tue' });
  assert.equal(parseHeaderLine('Content_Length :12'), { name: 'content-length', value: '12' });
  assert.equal(parseHeaderLine('CONTENT - TYPE:  text/plain '), { name: 'content-type', value: 'text/plain' });
  assert.is(parseHeaderLine('1. Introduction: x'), undefined);
  assert.is(parseHeaderLine(`${'a'.repeat(42)}: x`), undefined);
  assert.ok(parseHeaderLine(`${'a'.repeat(41)}: x`));
  assert.is(parseHeaderLine('GET RFC 1 P2P-CI/1.0'), undefined);
});

test.run();
