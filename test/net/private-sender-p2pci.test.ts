// The sender port of a private mesh and P2P-CI (issue 13.4): P2P-CI is plaintext by necessity, so a
// private sender port answers a plaintext GET only in index mode (onP2pci given); a plaintext frame is
// refused either way, and a member's TLS connection still gets its catalog on the same port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SenderPort, type CatalogSource } from '../../src/transfer/sender.js';
import { handleUploadConnection } from '../../src/compat/p2pci/upload.js';
import { RfcCatalog } from '../../src/compat/p2pci/rfc-catalog.js';
import { encodeControl } from '../../src/wire/frame.js';
import { dialFramed } from '../../src/wire/connection.js';
import { PrivateMesh } from '../../src/wire/secure-socket.js';
import { deriveMeshKeys } from '../../src/wire/mesh-keys.js';
import { asPeerId } from '../../src/types.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const source: CatalogSource = { peerId: asPeerId('0123456789abcdef'), revision: () => 1, entries: () => [], manifest: () => undefined };
const keys = deriveMeshKeys('p2pci private mesh test');

async function transcript(port: number, request: Buffer | string): Promise<string> {
  const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  s.on('error', () => {});
  s.on('end', () => s.end());
  await once(s, 'connect');
  s.write(request);
  s.end();
  await once(s, 'close');
  return Buffer.concat(parts).toString('latin1');
}

async function withPrivateSender(index: boolean, run: (port: number, body: string, warnings: string[]) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir();
  const body = 'RFC 162 NETBUGGER3\n'.repeat(50);
  const path = join(tmp.path, 'rfc162.txt');
  await writeFile(path, body);
  const st = await stat(path);
  const catalog = new RfcCatalog();
  await catalog.update([{ name: 'rfc162.txt', path, size: st.size, mtimeMs: st.mtimeMs }]);
  const warnings: string[] = [];
  const sender = await SenderPort.start({
    port: 0, host: '127.0.0.1', source, onWarning: (m) => warnings.push(m),
    security: new PrivateMesh(keys, (m) => warnings.push(m)),
    onP2pci: index ? (s, first) => void handleUploadConnection(s, first, catalog) : undefined,
  });
  try {
    await run(sender.port, body, warnings);
  } finally {
    await sender.close();
    await tmp.remove();
  }
}

const GET = 'GET RFC 162 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n';

test('private sender port without --index: a P2P-CI GET is closed unanswered; a member gets the catalog', withTimeout(10_000, async () => {
  await withPrivateSender(false, async (port, _body, warnings) => {
    assert.is(await transcript(port, GET), '');
    assert.is(await transcript(port, encodeControl({ t: 'catalog.get', rid: 1 })), '', 'a plaintext frame: nothing back');
    assert.is(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /refused a connection from 127\.0\.0\.1 to the sender port: it spoke without TLS/);
    const conn = await dialFramed('127.0.0.1', port, { security: new PrivateMesh(keys) });
    assert.is((await conn.request({ t: 'catalog.get' })).peer, source.peerId);
    conn.close();
  });
}));

test('private sender port with --index: a P2P-CI GET is served in the clear; plaintext frames are still refused', withTimeout(10_000, async () => {
  await withPrivateSender(true, async (port, body) => {
    const got = await transcript(port, GET);
    assert.ok(got.startsWith('P2P-CI/1.0 200 OK\r\n') && got.endsWith(body), got.slice(0, 60));
    assert.is(await transcript(port, encodeControl({ t: 'catalog.get', rid: 1 })), '');
    const conn = await dialFramed('127.0.0.1', port, { security: new PrivateMesh(keys) });
    assert.is((await conn.request({ t: 'catalog.get' })).peer, source.peerId);
    conn.close();
  });
}));

test.run();
