import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRfcFileName, rfcFileName, rfcTitle, titleFromText } from '../../src/compat/p2pci/rfc-files.js';
import { RfcIndex } from '../../src/compat/p2pci/rfc-index.js';

test('RFC file names: rfc<n>.txt (seeds 002/003) and <n><title>.txt (seed 000)', () => {
  const cases: [string, unknown][] = [
    ['rfc791.txt', { rfc: 791, title: undefined }],
    ['RFC-2616.TXT', { rfc: 2616, title: undefined }],
    ['downloads/rfc768.txt', { rfc: 768, title: undefined }],
    ['791Internet Protocol.txt', { rfc: 791, title: 'Internet Protocol' }],
    ['793 - Transmission Control Protocol.txt', { rfc: 793, title: 'Transmission Control Protocol' }],
    ['rfc1034 Domain Names.txt', { rfc: 1034, title: 'Domain Names' }],
    ['791.txt', { rfc: 791, title: undefined }],
    ['notes.txt', undefined],
    ['rfc791.md', undefined],
    ['.rfc791.txt', undefined],
    ['rfc.txt', undefined],
    ['internet-protocol.txt', undefined],
  ];
  for (const [name, want] of cases) assert.equal(parseRfcFileName(name), want, name);
  assert.is(rfcFileName(791), 'rfc791.txt');
});

test('titles from text: a title-like first line, the line after a published RFC header block, else none', () => {
  assert.is(titleFromText('RFC 791 — Internet Protocol (summary for the lab)\n\nSample text.\n'), 'Internet Protocol (summary for the lab)');
  assert.is(titleFromText('\n\nUser Datagram Protocol\n'), 'User Datagram Protocol');
  const published = [
    'Network Working Group                                      R. Fielding',
    'Request for Comments: 2616                                   UC Irvine',
    'Category: Standards Track                                     Compaq/W3C',
    '                                                                 W3C/MIT',
    '                                                               June 1999',
    '',
    '',
    '                Hypertext Transfer Protocol -- HTTP/1.1',
    '',
    'Status of this Memo',
  ].join('\r\n');
  assert.is(titleFromText(published), 'Hypertext Transfer Protocol -- HTTP/1.1');
  assert.is(titleFromText('\n\nRFC:  791\n\n\n                           INTERNET PROTOCOL\n'), 'INTERNET PROTOCOL');
  assert.is(titleFromText('This file is a long sentence of prose that ends with a full stop.\n'), undefined);
  assert.is(titleFromText('\u0000\u0001binary\u0002'), undefined);
  assert.is(titleFromText(''), undefined);
  assert.is(rfcTitle({ rfc: 5, title: undefined }, '12345\n'), 'RFC 5');
  assert.is(rfcTitle({ rfc: 5, title: 'From Name' }, 'From Text\n'), 'From Name');
  assert.is(rfcTitle({ rfc: 5, title: undefined }, 'From Text\n'), 'From Text');
});

test('index table: records owned by the connection that added them; duplicates listed once', () => {
  const ix = new RfcIndex();
  ix.add(1, { rfc: 1, title: 'One', host: 'a', port: 1 });
  ix.add(2, { rfc: 2, title: 'Two', host: 'b', port: 2 });
  ix.add(1, { rfc: 1, title: 'One retitled', host: 'a', port: 1 });
  ix.add(3, { rfc: 1, title: 'Claim', host: 'a', port: 1 });
  ix.add(3, { rfc: 1, title: 'Elsewhere', host: 'c', port: 3 });
  assert.equal(ix.list().map((r) => `${r.rfc} ${r.title} ${r.host}`), ['1 One retitled a', '2 Two b', '1 Elsewhere c']);
  assert.equal(ix.list(1).map((r) => r.host), ['a', 'c']);
  assert.is(ix.drop(1), 1);
  // Connection 3's claim on a:1 survives connection 1 going away.
  assert.equal(ix.list().map((r) => `${r.rfc} ${r.title} ${r.host}`), ['2 Two b', '1 Claim a', '1 Elsewhere c']);
  assert.is(ix.drop(3), 2);
  assert.is(ix.drop(3), 0);
  assert.is(ix.size, 1);
});

test.run();
