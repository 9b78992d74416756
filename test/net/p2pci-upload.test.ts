import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handleUploadConnection, type RfcSource, type UploadOutcome } from '../../src/compat/p2pci/upload.js';
import { fetchRfc } from '../../src/compat/p2pci/fetch-rfc.js';
import { RfcCatalog } from '../../src/compat/p2pci/rfc-catalog.js';
import { isLanmeshError } from '../../src/errors.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';
import { fakeUpload, hdr, listen } from '../support/p2pci-fakes.js';

const NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const MTIME = new Date(Date.UTC(2023, 5, 6, 7, 8, 9));

async function rejects(fn: () => Promise<unknown>, check: (e: unknown) => boolean): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, 'expected a rejection');
  assert.ok(check(err), `unexpected error: ${String(err)}`);
}

/** A sender port in miniature: reads the first bytes, pauses, hands the socket over as the peer will. */
async function uploadServer(source: RfcSource): Promise<{ port: number; outcomes: UploadOutcome[]; close: () => Promise<void> }> {
  const outcomes: UploadOutcome[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', (first: Buffer) => {
      s.pause();
      void handleUploadConnection(s, first, source, { os: 'TestOS 1.0', now: () => NOW }).then((o) => outcomes.push(o));
    });
  });
  return listen(server, sockets, { outcomes });
}

/** Sends `request`, returns every byte until the server closes. */
async function transcript(port: number, request: string): Promise<string> {
  const s = connect(port, '127.0.0.1');
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  s.on('error', () => {});
  await once(s, 'connect');
  s.write(request);
  await once(s, 'close');
  return Buffer.concat(parts).toString('latin1');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
test('transcript: GET answers header block then the file, then closes; 404, 505, 400', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  const path = join(tmp.path, 'rfc791.txt');
  const body = 'RFC 791 — Internet Protocol\r\n\r\nbody text\n';
  await writeFile(path, body);
  await utimes(path, MTIME, MTIME);
  const catalog = new RfcCatalog();
  await catalog.update([{ name: 'rfc791.txt', path, size: Buffer.byteLength(body), mtimeMs: MTIME.getTime() }]);
  const up = await uploadServer(catalog);
  try {
    const len = Buffer.byteLength(body);
    const got = await transcript(up.port, 'GET RFC 791 P2P-CI/1.0\r\nHost: somehost.csc.ncsu.edu\r\nOS: Mac OS 10.4.1\r\n\r\n');
    assert.is(
      got,
      `P2P-CI/1.0 200 OK\r\nDate: Tue, 02 Jan 2024 03:04:05 GMT\r\nOS: TestOS 1.0\r\nLast-Modified: Tue, 06 Jun 2023 07:08:09 GMT\r\nContent-Length: ${len}\r\nContent-Type: text/plain\r\n\r\n` +
        Buffer.from(body).toString('latin1'),
    );
    // No empty line, bare LF: complete once Host and OS are in.
    assert.ok((await transcript(up.port, 'GET RFC 791 P2P-CI/1.0\nHost: h\nOS: o\n')).startsWith('P2P-CI/1.0 200 OK\r\n'));
    assert.is(await transcript(up.port, 'GET RFC 1 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n'), 'P2P-CI/1.0 404 Not Found\r\n\r\n');
    assert.is(await transcript(up.port, 'GET RFC 791 P2P-CI/1.1\r\nHost: h\r\nOS: o\r\n\r\n'), 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n');
    assert.is(await transcript(up.port, 'GET something odd\r\n'), 'P2P-CI/1.0 400 Bad Request\r\n\r\n');
    assert.is(await transcript(up.port, 'GET RFC 791 P2P-CI/1.0\r\n' + 'X: y\r\n'.repeat(40)), 'P2P-CI/1.0 400 Bad Request\r\n\r\n');
    // One answer per connection, however many GETs arrive at once: pipelining cannot pile up answers.
    const piped = await transcript(up.port, 'GET RFC 791 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n'.repeat(2000));
    assert.is(piped.split('P2P-CI/1.0 200 OK').length, 2);
    assert.ok(piped.endsWith(Buffer.from(body).toString('latin1')));
    await waitFor(() => up.outcomes.length === 7, { what: 'outcomes' });
    assert.equal(up.outcomes.map((o) => o.code).sort(), [200, 200, 200, 400, 400, 404, 505]);
    assert.ok(up.outcomes.some((o) => o.code === 200 && o.bytes === len && o.rfc === 791));
  } finally {
    await up.close();
    await tmp.remove();
  }
}));

test('GET of a 5 MiB RFC is byte-identical (sha256), and a 0-byte one works', withTimeout(15000, async () => {
  const tmp = await makeTmpDir();
  const big = randomBytes(5 * 1024 * 1024);
  const files = [
    { name: 'rfc9999.txt', data: big },
    { name: '42Empty One.txt', data: Buffer.alloc(0) },
  ];
  for (const f of files) await writeFile(join(tmp.path, f.name), f.data);
  const catalog = new RfcCatalog();
  const refs = await Promise.all(files.map(async (f) => {
    const st = await stat(join(tmp.path, f.name));
    return { name: f.name, path: join(tmp.path, f.name), size: st.size, mtimeMs: st.mtimeMs };
  }));
  assert.equal((await catalog.update(refs)).map((e) => `${e.rfc} ${e.title}`), ['42 Empty One', '9999 RFC 9999']);
  const up = await uploadServer(catalog);
  try {
    const dest = join(tmp.path, 'got-9999.tmp');
    const r = await fetchRfc('127.0.0.1', up.port, 9999, dest, { selfHost: 'me', os: 'TestOS' });
    assert.is(r.bytes, big.length);
    assert.is(r.contentLength, big.length);
    assert.is(r.headers['content-type'], 'text/plain');
    assert.is(sha(await readFile(dest)), sha(big));
    const empty = join(tmp.path, 'got-42.tmp');
    assert.equal((await fetchRfc('127.0.0.1', up.port, 42, empty)).bytes, 0);
    assert.is((await readFile(empty)).length, 0);
    await rejects(() => fetchRfc('127.0.0.1', up.port, 7, join(tmp.path, 'got-7.tmp')), (e) => isLanmeshError(e, 'NOT_FOUND'));
    await rejects(() => stat(join(tmp.path, 'got-7.tmp')), () => true);
  } finally {
    await up.close();
    await tmp.remove();
  }
}));

test('fetchRfc sends the spec request and copes with sloppy upload servers', withTimeout(8000, async () => {
  const tmp = await makeTmpDir();
  const text = Buffer.from('Network Working Group   X\r\nline two\r\n');
  const leadingBlank = Buffer.from('\r\n\r\nRFC:  791\r\n\r\nINTERNET PROTOCOL\r\n');
  const cases: [string, Buffer[], { close?: boolean }, Buffer][] = [
    ['strict, in one write', [Buffer.concat([Buffer.from(hdr(text.length)), text])], {}, text],
    ['no empty line before the data', [Buffer.from(hdr(text.length, false)), text], {}, text],
    ['never closes', [Buffer.from(hdr(text.length)), text], { close: false }, text],
    ['extra bytes after Content-Length, never closes', [Buffer.from(hdr(text.length)), text, Buffer.from('trailing junk')], { close: false }, text],
    ['no empty line, data starts with empty lines', [Buffer.from(hdr(leadingBlank.length, false)), leadingBlank], {}, leadingBlank],
    ['bare LF header, header split mid-line', [Buffer.from('P2P-CI/1.0 200 OK\nContent-Len'), Buffer.from(`gth: ${text.length}\n\n`), text], {}, text],
    ['no Content-Length, closes at the end', [Buffer.from('P2P-CI/1.0 200 OK\r\nOS: x\r\n\r\n'), text], {}, text],
  ];
  try {
    for (const [i, [what, reply, opts, want]] of cases.entries()) {
      const fake = await fakeUpload(reply, opts);
      try {
        const dest = join(tmp.path, `case-${i}.tmp`);
        const r = await fetchRfc('127.0.0.1', fake.port, 7, dest, { selfHost: 'me.lan', os: 'TestOS 2', timeoutMs: 1500 });
        assert.is((await readFile(dest)).toString('latin1'), want.toString('latin1'), what);
        assert.is(r.bytes, want.length, what);
        assert.equal(fake.requests, ['GET RFC 7 P2P-CI/1.0\r\nHost: me.lan\r\nOS: TestOS 2\r\n\r\n'], what);
      } finally {
        await fake.close();
      }
    }
  } finally {
    await tmp.remove();
  }
}));

test('fetchRfc failures are typed and leave no file: short body, stall, error codes, existing dest, abort', withTimeout(8000, async () => {
  const tmp = await makeTmpDir();
  const gone = async (p: string) => rejects(() => stat(p), (e) => (e as NodeJS.ErrnoException).code === 'ENOENT');
  try {
    const short = await fakeUpload([Buffer.from(hdr(100)), Buffer.from('only this')]);
    const dest = join(tmp.path, 'a.tmp');
    await rejects(() => fetchRfc('127.0.0.1', short.port, 1, dest), (e) => isLanmeshError(e, 'CONNECTION_CLOSED') && /got 9 of 100/.test(String(e)));
    await gone(dest);
    await short.close();

    const stall = await fakeUpload([Buffer.from(hdr(100)), Buffer.from('only this')], { close: false });
    await rejects(() => fetchRfc('127.0.0.1', stall.port, 1, dest, { timeoutMs: 300 }), (e) => isLanmeshError(e, 'TIMEOUT'));
    await gone(dest);
    const ac = new AbortController();
    const pending = fetchRfc('127.0.0.1', stall.port, 1, dest, { timeoutMs: 5000, signal: ac.signal });
    await waitFor(() => stall.requests.length === 2, { what: 'second request' });
    ac.abort();
    await rejects(() => pending, (e) => isLanmeshError(e, 'CONNECTION_CLOSED') && /aborted/.test(String(e)));
    await gone(dest);
    await stall.close();

    for (const [status, code] of [['400 Bad Request', 'REMOTE_ERROR'], ['505 P2P-CI Version Not Supported', 'REMOTE_ERROR'], ['404 Not Found', 'NOT_FOUND']] as const) {
      const f = await fakeUpload([Buffer.from(`P2P-CI/1.0 ${status}\r\n\r\n`)]);
      await rejects(() => fetchRfc('127.0.0.1', f.port, 1, dest), (e) => isLanmeshError(e, code));
      await gone(dest);
      await f.close();
    }
    const huge = await fakeUpload([Buffer.from(hdr(5000)), Buffer.alloc(5000)]);
    await rejects(() => fetchRfc('127.0.0.1', huge.port, 1, dest, { maxBytes: 4096 }), (e) => isLanmeshError(e, 'BAD_MESSAGE'));
    await gone(dest);
    await huge.close();
    const endless = await fakeUpload([Buffer.from('P2P-CI/1.0 200 OK\r\n\r\n'), Buffer.alloc(5000)], { close: false });
    await rejects(() => fetchRfc('127.0.0.1', endless.port, 1, dest, { maxBytes: 4096 }), (e) => isLanmeshError(e, 'BAD_MESSAGE'));
    await gone(dest);
    await endless.close();
    const junk = await fakeUpload([Buffer.from('HTTP/1.1 200 OK\r\n\r\n')]);
    await rejects(() => fetchRfc('127.0.0.1', junk.port, 1, dest), (e) => isLanmeshError(e, 'BAD_MESSAGE'));
    await junk.close();

    const ok = await fakeUpload([Buffer.from(hdr(2)), Buffer.from('hi')]);
    const existing = join(tmp.path, 'existing.txt');
    await writeFile(existing, 'keep me');
    await rejects(() => fetchRfc('127.0.0.1', ok.port, 1, existing), (e) => isLanmeshError(e, 'IO'));
    assert.is(await readFile(existing, 'utf8'), 'keep me');
    await ok.close();
  } finally {
    await tmp.remove();
  }
}));

test('RfcCatalog: seed-style and rfc<n>.txt names, titles from text, first holder wins, --rfc filter', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const mk = async (name: string, text: string) => {
      const path = join(tmp.path, name.replace('/', '_'));
      await writeFile(path, text);
      const st = await stat(path);
      return { name, path, size: st.size, mtimeMs: st.mtimeMs };
    };
    const files = [
      await mk('rfc791.txt', 'RFC 791 — Internet Protocol (summary for the lab)\n\nbody\n'),
      await mk('793Transmission Control Protocol.txt', 'whatever\n'),
      await mk('notes.txt', 'not an rfc'),
      await mk('downloads/rfc791.txt', 'Another copy\n'),
      await mk('rfc768.txt', 'just prose that ends with a full stop.\n'),
    ];
    const all = new RfcCatalog();
    assert.equal((await all.update(files)).map((e) => `${e.rfc}|${e.title}|${e.name}`), [
      '768|RFC 768|rfc768.txt',
      '791|Internet Protocol (summary for the lab)|rfc791.txt',
      '793|Transmission Control Protocol|793Transmission Control Protocol.txt',
    ]);
    assert.is((await all.findRfc(791))?.path, files[0]!.path);
    assert.is(await all.findRfc(1), undefined);
    const only = new RfcCatalog({ only: [793] });
    assert.equal((await only.update(files)).map((e) => e.rfc), [793]);
    assert.is(await only.findRfc(791), undefined);
  } finally {
    await tmp.remove();
  }
}));

test.run();
