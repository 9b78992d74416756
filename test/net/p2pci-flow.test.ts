import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexServer } from '../../src/compat/p2pci/index-server.js';
import { IndexClient } from '../../src/compat/p2pci/index-client.js';
import { IndexRegistrar } from '../../src/compat/p2pci/registrar.js';
import { RfcCatalog, type LocalFileRef } from '../../src/compat/p2pci/rfc-catalog.js';
import { handleUploadConnection } from '../../src/compat/p2pci/upload.js';
import { downloadRfc } from '../../src/compat/p2pci/download.js';
import { IndexMode, type OfferedFile } from '../../src/compat/p2pci/index-mode.js';
import { isLanmeshError } from '../../src/errors.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freeTcpPort } from '../support/free-port.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

/** A P2P-CI peer made of the library parts the way peer.ts will wire them. */
class MiniPeer {
  readonly catalog = new RfcCatalog();
  client!: IndexClient;
  registrar!: IndexRegistrar;
  private upload!: Server;
  constructor(readonly dir: string) {}

  async start(indexPort: number, files: Record<string, string>): Promise<void> {
    await mkdir(join(this.dir, 'shared'), { recursive: true });
    await mkdir(join(this.dir, 'downloads'), { recursive: true });
    for (const [n, text] of Object.entries(files)) await writeFile(join(this.dir, 'shared', n), text);
    this.upload = createServer((s) => {
      s.on('error', () => {});
      s.once('data', (first: Buffer) => {
        s.pause();
        void handleUploadConnection(s, first, this.catalog);
      });
    });
    this.upload.listen(0, '127.0.0.1');
    await once(this.upload, 'listening');
    const uploadPort = (this.upload.address() as { port: number }).port;
    this.client = await IndexClient.connect({ host: '127.0.0.1', port: indexPort, uploadPort, quietMs: 100 });
    this.registrar = new IndexRegistrar(this.client);
    await this.rescan();
  }

  /** What the store's watcher triggers: shared/ first, then downloads/. */
  async rescan(): Promise<void> {
    const refs: LocalFileRef[] = [];
    for (const sub of ['shared', 'downloads']) {
      for (const n of (await readdir(join(this.dir, sub))).sort()) {
        const path = join(this.dir, sub, n);
        const st = await stat(path);
        refs.push({ name: n, path, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    await this.registrar.sync(await this.catalog.update(refs));
  }

  async stop(): Promise<void> {
    await this.client?.close();
    await new Promise<void>((r) => (this.upload?.listening ? this.upload.close(() => r()) : r()));
  }
}

test('index + three peers: ADD, LIST ALL, LOOKUP, GET (next holder when one fails), re-register, leave', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  const index = new IndexServer();
  const { port } = await index.start({ port: 0, host: '127.0.0.1' });
  const [p1, p2, p3] = ['peer1', 'peer2', 'peer3'].map((n) => new MiniPeer(join(tmp.path, n))) as [MiniPeer, MiniPeer, MiniPeer];
  // A holder that no longer answers: registered first, so LOOKUP lists it first.
  const ghost = await IndexClient.connect({ host: '127.0.0.1', port, uploadPort: await freeTcpPort() });
  try {
    await ghost.add(791, 'Internet Protocol');
    const rfc791 = 'RFC 791 — Internet Protocol (summary for the lab)\n\nIPv4 moves datagrams.\n'.repeat(50);
    await p1.start(port, { 'rfc791.txt': rfc791, 'notes.txt': 'not an RFC' });
    await p2.start(port, { '793Transmission Control Protocol.txt': 'TCP text\n' });
    await p3.start(port, {});
    const [g, u1, u2, u3] = [ghost, p1.client, p2.client, p3.client].map((c) => c.uploadPort);
    const list = (await p3.client.listAll()).map((r) => `${r.rfc} ${r.title} ${r.host}:${r.port}`);
    assert.equal(list, [
      `791 Internet Protocol 127.0.0.1:${g}`,
      `791 Internet Protocol (summary for the lab) 127.0.0.1:${u1}`,
      `793 Transmission Control Protocol 127.0.0.1:${u2}`,
    ]);

    const failed: string[] = [];
    const got = await downloadRfc(p3.client, 791, {
      downloadsDir: join(p3.dir, 'downloads'),
      partialDir: join(p3.dir, '.lanmesh', 'partial'),
      timeoutMs: 2000,
      onAttempt: (h, e) => failed.push(`${h.port} ${isLanmeshError(e, 'IO')}`),
    });
    assert.equal(failed, [`${g} true`]);
    assert.is(got.from.port, u1);
    assert.is(got.path, join(p3.dir, 'downloads', 'rfc791.txt'));
    assert.is(await readFile(got.path, 'utf8'), rfc791);
    assert.equal(await readdir(join(p3.dir, '.lanmesh', 'partial')), []);

    // The store sees the new file; peer3 now offers it too.
    await p3.rescan();
    assert.equal((await p2.client.lookup(791)).map((r) => r.port), [g, u1, u3]);
    // A second download never overwrites the file.
    let err: unknown;
    try {
      await downloadRfc(p2.client, 791, { downloadsDir: join(p3.dir, 'downloads'), partialDir: join(p3.dir, '.lanmesh', 'partial') });
    } catch (e) {
      err = e;
    }
    assert.ok(isLanmeshError(err, 'IO') && /already exists/.test(String(err)), String(err));
    try {
      await downloadRfc(p3.client, 4242, { downloadsDir: join(p3.dir, 'downloads'), partialDir: join(p3.dir, '.lanmesh', 'partial') });
      assert.unreachable();
    } catch (e) {
      assert.ok(isLanmeshError(e, 'NOT_FOUND'), String(e));
    }

    // peer2 leaves: its records vanish from LIST ALL.
    await p2.stop();
    await waitFor(() => !index.records().some((r) => r.rfc === 793), { what: 'peer2 records dropped' });
    assert.equal((await p3.client.listAll()).map((r) => `${r.rfc} ${r.port}`), [`791 ${g}`, `791 ${u1}`, `791 ${u3}`]);
  } finally {
    for (const p of [p1, p2, p3]) await p.stop();
    await ghost.close();
    await index.close();
    await tmp.remove();
  }
}));

/** An IndexMode the way peer.ts runs it, with the store's file list kept by hand. */
async function startMode(dir: string, indexPort: number): Promise<{ mode: IndexMode; files: OfferedFile[]; warnings: string[]; uploadPort: number }> {
  const files: OfferedFile[] = [];
  const warnings: string[] = [];
  const mode = new IndexMode({ host: '127.0.0.1', port: indexPort, dir, files: () => files, onWarning: (m) => warnings.push(m), fetchTimeoutMs: 2000 });
  const uploadPort = await freeTcpPort();
  await mode.start(uploadPort);
  return { mode, files, warnings, uploadPort };
}

async function offered(path: string, relPath: string): Promise<OfferedFile> {
  const st = await stat(path);
  return { path, relPath, origin: 'downloads', mtimeMs: st.mtimeMs, manifest: { size: st.size } };
}

test('index mode: a downloaded RFC is registered under the title its holder listed, not its first line', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  const index = new IndexServer();
  const { port } = await index.start({ port: 0, host: '127.0.0.1' });
  const holder = new MiniPeer(join(tmp.path, 'holder'));
  let me: Awaited<ReturnType<typeof startMode>> | undefined;
  try {
    await holder.start(port, { '2616HTTP one point one.txt': 'hello\n\nThis is the text of RFC 2616.\n' });
    me = await startMode(join(tmp.path, 'me'), port);
    const got = await me.mode.download(2616);
    assert.is(got.title, 'HTTP one point one');
    assert.is(await readFile(got.path, 'utf8'), 'hello\n\nThis is the text of RFC 2616.\n');
    // The store sees the new file in downloads/ and the peer registers it.
    me.files.push(await offered(got.path, 'rfc2616.txt'));
    await me.mode.refresh();
    const mine = index.records().filter((r) => r.port === me!.uploadPort);
    assert.equal(mine, [{ rfc: 2616, title: 'HTTP one point one', host: '127.0.0.1', port: me.uploadPort }]);
    assert.equal(me.warnings, []);
  } finally {
    await me?.mode.close();
    await holder.stop();
    await index.close();
    await tmp.remove();
  }
}));

test('index mode: "trying the next holder" only when there is one; the last failure is the error alone', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  const index = new IndexServer();
  const { port } = await index.start({ port: 0, host: '127.0.0.1' });
  const [deadA, deadB, deadC] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const ghosts = [
    await IndexClient.connect({ host: '127.0.0.1', port, uploadPort: deadA }),
    await IndexClient.connect({ host: '127.0.0.1', port, uploadPort: deadB }),
    await IndexClient.connect({ host: '127.0.0.1', port, uploadPort: deadC }),
  ];
  let me: Awaited<ReturnType<typeof startMode>> | undefined;
  try {
    await ghosts[0]!.add(5, 'Five');
    await ghosts[1]!.add(5, 'Five');
    await ghosts[2]!.add(6, 'Six');
    me = await startMode(join(tmp.path, 'me'), port);

    let err: unknown;
    try {
      await me.mode.download(5);
    } catch (e) {
      err = e;
    }
    assert.ok(isLanmeshError(err, 'REMOTE_ERROR'), String(err));
    assert.match(String(err), new RegExp(`every holder failed \\(127\\.0\\.0\\.1:${deadA}: .*; 127\\.0\\.0\\.1:${deadB}: `));
    assert.is(me.warnings.length, 1, me.warnings.join('\n'));
    assert.match(me.warnings[0]!, new RegExp(`^RFC 5 from 127\\.0\\.0\\.1:${deadA} failed \\(.*\\); trying the next holder$`));

    me.warnings.length = 0;
    err = undefined;
    try {
      await me.mode.download(6);
    } catch (e) {
      err = e;
    }
    assert.ok(isLanmeshError(err, 'REMOTE_ERROR'), String(err));
    assert.match(String(err), new RegExp(`127\\.0\\.0\\.1:${deadC}`));
    assert.equal(me.warnings, []);
  } finally {
    await me?.mode.close();
    for (const g of ghosts) await g.close();
    await index.close();
    await tmp.remove();
  }
}));

test.run();
