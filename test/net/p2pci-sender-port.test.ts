// P2P-CI on the sender port (T+1), as the peer wires it: any request that is not a frame reaches the
// P2P-CI handler and gets an answer (issue 16.4), and a client that half-closes after its GET still
// gets the whole file (16.5).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SenderPort, type CatalogSource } from '../../src/transfer/sender.js';
import { handleUploadConnection } from '../../src/compat/p2pci/upload.js';
import { RfcCatalog } from '../../src/compat/p2pci/rfc-catalog.js';
import { encodeControl, FrameDecoder } from '../../src/wire/frame.js';
import { asPeerId } from '../../src/types.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const source: CatalogSource = {
  peerId: asPeerId('0123456789abcdef'),
  revision: () => 1,
  entries: () => [],
  manifest: () => undefined,
};

/** Sends `request` (then half-closes when asked) and returns every byte until the server closes. */
async function transcript(port: number, request: string, { halfClose = false } = {}): Promise<string> {
  const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  s.on('error', () => {});
  // Like nc: once the server has ended, end too.
  s.on('end', () => s.end());
  await once(s, 'connect');
  s.write(request);
  if (halfClose) s.end();
  await once(s, 'close');
  return Buffer.concat(parts).toString('latin1');
}

async function withSender(
  compat: boolean,
  run: (port: number, body: string, warnings: string[]) => Promise<void>,
): Promise<void> {
  const tmp = await makeTmpDir();
  const body = 'RFC 162 NETBUGGER3\n'.repeat(50);
  const path = join(tmp.path, 'rfc162.txt');
  await writeFile(path, body);
  const st = await stat(path);
  const catalog = new RfcCatalog();
  await catalog.update([{ name: 'rfc162.txt', path, size: st.size, mtimeMs: st.mtimeMs }]);
  const warnings: string[] = [];
  const sender = await SenderPort.start({
    port: 0,
    host: '127.0.0.1',
    source,
    onWarning: (m) => warnings.push(m),
    onP2pci: compat ? (s, first) => void handleUploadConnection(s, first, catalog) : undefined,
  });
  try {
    await run(sender.port, body, warnings);
  } finally {
    await sender.close();
    await tmp.remove();
  }
}

const BAD = 'P2P-CI/1.0 400 Bad Request\r\n\r\n';

test('transcript: every request that is not a frame gets a P2P-CI answer, never a silent close', withTimeout(10_000, async () => {
  await withSender(true, async (port, body, warnings) => {
    const ok = (t: string) => t.startsWith('P2P-CI/1.0 200 OK\r\n') && t.endsWith(body);
    assert.is(await transcript(port, 'FETCH RFC 162 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n'), BAD);
    assert.is(await transcript(port, 'ADD RFC 162 P2P-CI/1.0\r\nHost: h\r\nPort: 5\r\nTitle: t\r\n\r\n'), BAD);
    assert.is(await transcript(port, 'LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: 5\r\n\r\n'), BAD);
    assert.is(await transcript(port, 'LOOKUP RFC 162 P2P-CI/1.0\r\nHost: h\r\nPort: 5\r\nTitle: t\r\n\r\n'), BAD);
    assert.is(await transcript(port, 'GET RFC 162 P2P-CI/2.0\r\nHost: h\r\nOS: o\r\n\r\n'), 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n');
    assert.ok(ok(await transcript(port, 'get rfc 162 p2p-ci/1.0\r\nHost: h\r\nOS: o\r\n\r\n')), 'lower-case get');
    assert.ok(ok(await transcript(port, '\r\nGET RFC 162 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n')), 'leading CRLF');
    assert.ok(ok(await transcript(port, '\nGET RFC 162 P2P-CI/1.0\nHost: h\nOS: o\n')), 'leading LF');
    assert.equal(warnings, [], 'no frame-length warning');
    // Frames still work on the same port.
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write(encodeControl({ t: 'catalog.get', rid: 1 }));
    const [chunk] = (await once(s, 'data')) as [Buffer];
    const [frame] = new FrameDecoder().push(chunk);
    assert.is(JSON.parse((frame as { body: Buffer }).body.toString()).t, 'catalog');
    s.destroy();
  });
  await withSender(false, async (port) => {
    assert.is(await transcript(port, 'get rfc 162 P2P-CI/1.0\r\n\r\n'), BAD, 'no index mode: 400');
    assert.is(await transcript(port, 'GET RFC 162 P2P-CI/1.0\r\n\r\n', { halfClose: true }), BAD, 'no index mode, half-closed: 400');
  });
}));

test('transcript: a GET followed by a half-close (nc -N) gets the whole file, then the close', withTimeout(10_000, async () => {
  await withSender(true, async (port, body) => {
    const got = await transcript(port, 'GET RFC 162 P2P-CI/1.0\nHost: vm\nOS: Linux\n', { halfClose: true });
    assert.ok(got.startsWith('P2P-CI/1.0 200 OK\r\n'), got.slice(0, 40));
    assert.ok(got.endsWith(`Content-Type: text/plain\r\n\r\n${body}`));
    assert.is(await transcript(port, 'GET RFC 1 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n', { halfClose: true }), 'P2P-CI/1.0 404 Not Found\r\n\r\n');
    // Half-closed before the empty line: the end of input ends the request, as the empty line would.
    assert.ok((await transcript(port, 'GET RFC 162 P2P-CI/1.0\r\nHost: h', { halfClose: true })).endsWith(body), 'no empty line');
    assert.is(await transcript(port, 'GET RFC 162', { halfClose: true }), BAD, 'no version');
  });
}));

test.run();
