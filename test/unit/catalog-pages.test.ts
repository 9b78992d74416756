// Catalog paging: the pure page cutter, the per-connection snapshot, and a catalog far larger than
// one control frame fetched whole over a real sender port on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { CatalogPager, catalogPage } from '../../src/transfer/catalog-pages.js';
import { SenderPort, type CatalogSource } from '../../src/transfer/sender.js';
import { fetchCatalog } from '../../src/transfer/catalog-client.js';
import { FramedConnection } from '../../src/wire/connection.js';
import { MAX_CONTROL } from '../../src/wire/frame.js';
import { isLanmeshError } from '../../src/errors.js';
import { asPeerId, type CatalogEntry, type FileId } from '../../src/types.js';
import { withTimeout } from '../support/with-timeout.js';

const HOST = '127.0.0.1';
const PEER = asPeerId('00112233aabbccdd');
const idOf = (i: number) => createHash('sha256').update(String(i)).digest('hex') as FileId;
const entry = (i: number, name = `file ${i}.txt`): CatalogEntry => ({ id: idOf(i), name, size: i, chunkSize: 1 << 20 });
const entries = (n: number, name?: (i: number) => string) => Array.from({ length: n }, (_, i) => entry(i, name?.(i)));
const jsonBytes = (es: CatalogEntry[]) => Buffer.byteLength(JSON.stringify(es));

test('pages stay within the budget, cover every entry once, and always advance', () => {
  const all = entries(1000);
  const budget = 10_000;
  const seen: CatalogEntry[] = [];
  let from = 0;
  let pages = 0;
  for (;;) {
    const p = catalogPage(all, from, budget);
    pages++;
    assert.ok(jsonBytes(p.files) <= budget, `page ${pages}: ${jsonBytes(p.files)} bytes`);
    seen.push(...p.files);
    if (p.next === undefined) break;
    assert.is(p.next, from + p.files.length);
    from = p.next;
  }
  assert.equal(seen, all);
  assert.ok(pages > 10, `${pages} pages`);
  // One entry larger than the budget still goes out, alone: paging never stalls.
  const huge = [entry(1, 'x'.repeat(500)), entry(2)];
  assert.equal(catalogPage(huge, 0, 100), { files: [huge[0]!], next: 1 });
  assert.equal(catalogPage([], 0), { files: [] });
  assert.equal(catalogPage(all, 5000), { files: [] });
});

test('a pager serves all pages of one read from the snapshot taken by the first', () => {
  let rev = 1;
  let list = entries(30);
  const pager = new CatalogPager({ revision: () => rev, entries: () => list });
  const first = catalogPage(list, 0, 4 * 1024 * 1024);
  assert.is(first.next, undefined);
  // Force small pages through the pure function's budget by a catalog that needs several pages.
  list = entries(40_000);
  const p0 = pager.page(0);
  assert.ok(p0.next !== undefined, 'several pages');
  rev = 2;
  list = entries(3);
  const p1 = pager.page(p0.next!);
  assert.is(p1.rev, 1, 'later pages keep the first page’s revision');
  assert.equal(p1.files[0], entry(p0.next!));
  // A fresh read (from 0) sees the new revision.
  assert.equal(pager.page(0), { rev: 2, files: entries(3) });
});

test('a catalog many times one frame arrives whole, in one revision, over a real sender port', withTimeout(30000, async () => {
  const longName = (i: number) => `${'Ünïcödé folder name '.repeat(4)}${i}.bin`;
  const all = entries(120_000, longName);
  assert.ok(jsonBytes(all) > 2 * MAX_CONTROL, `catalog is ${jsonBytes(all)} bytes`);
  let rev = 5;
  let asked = 0;
  const source: CatalogSource = {
    peerId: PEER,
    revision: () => rev,
    entries: () => {
      asked++;
      rev++; // a download bumping the revision between pages must not break the read
      return all;
    },
    manifest: () => undefined,
  };
  const sender = await SenderPort.start({ port: 0, host: HOST, source, onWarning: (m) => assert.unreachable(m) });
  try {
    const got = await fetchCatalog({ id: PEER, address: HOST, senderPort: sender.port }, new AbortController().signal);
    assert.is(got.files.length, all.length);
    assert.equal(got.files[119_999], all[119_999]);
    assert.is(got.rev, 5);
    assert.is(asked, 1, 'one snapshot for the whole read');
  } finally {
    await sender.close();
  }
}));

test('a sender whose pages do not line up is refused with a clear error', withTimeout(10000, async () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const conn = new FramedConnection(socket);
    conn.on('control', (msg) => {
      if (msg.t !== 'catalog.get') return;
      // Every page claims the next one starts at 1: the reader would loop for ever.
      void conn.send({ t: 'catalog', rid: msg.rid, peer: PEER, rev: 1, files: [entry(0), entry(1)], next: 1 });
    });
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  try {
    const port = (server.address() as AddressInfo).port;
    const err = await fetchCatalog({ id: PEER, address: HOST, senderPort: port }, new AbortController().signal).catch((e: unknown) => e);
    assert.ok(isLanmeshError(err, 'BAD_MESSAGE'), String(err));
    assert.match((err as Error).message, 'has 2 files but says the next starts at 1');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}));

test.run();
