// The facade over a real, in-process Peer (discovery on unicast loopback, no multicast): its snapshot,
// change notifications, and commands run through the shared command layer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Peer } from '../../src/peer.js';
import { createPeerFacade } from '../../src/ui/peer-facade.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freeUdpPort } from '../support/free-port.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';
import { isLanmeshError } from '../../src/errors.js';
import { createHash, randomBytes } from 'node:crypto';
import { PartialDownload } from '../../src/store/partial-download.js';
import { IndexServer } from '../../src/compat/p2pci/index-server.js';
import { asFileId, type Manifest } from '../../src/types.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** A manifest per docs/PROTOCOL.md, computed here (independent of src/store/manifest.ts). */
function manifestOf(bytes: Buffer, name: string, chunkSize: number): Manifest {
  const hashes: string[] = [];
  for (let off = 0; off < bytes.length; off += chunkSize) hashes.push(sha(bytes.subarray(off, off + chunkSize)));
  const text = `lanmesh-file-v1\n${bytes.length}\n${chunkSize}\n${hashes.join('\n')}`;
  return { id: asFileId(sha(text)), name, size: bytes.length, chunkSize, hashes };
}

test('snapshot, notifications and commands on a real peer', withTimeout(20_000, async () => {
  const tmp = await makeTmpDir();
  let peer: Peer | undefined;
  try {
    await mkdir(join(tmp.path, 'shared'), { recursive: true });
    await writeFile(join(tmp.path, 'shared', 'first.txt'), 'one');
    const mdnsPort = await freeUdpPort();
    peer = await Peer.start({
      dir: tmp.path, port: 0, name: 'facade-peer', bindHost: '127.0.0.1',
      discovery: { mdns: { multicast: false, ip: '127.0.0.1', port: mdnsPort } },
    });
    const facade = createPeerFacade(peer, { address: '127.0.0.1' });
    let changes = 0;
    const unsubscribe = facade.subscribe(() => changes++);
    const s = facade.getState();
    assert.is(facade.getState(), s, 'the same snapshot until something changes');
    assert.is(s.self.name, 'facade-peer');
    assert.equal(s.self.ports, peer.ports);
    assert.equal(s.peers, []);
    await waitFor(() => facade.getState().fileNames.includes('first.txt'), { what: 'first.txt in the snapshot' });
    assert.ok(facade.commands.some((c) => c.name === 'download'), 'commands come from the command layer');

    const extra = join(tmp.path, 'elsewhere.txt');
    await writeFile(extra, 'two');
    const before = changes;
    const out = await facade.run(`share ${extra}`);
    assert.match(out.lines[0]!, /^shared .*elsewhere\.txt/, out.lines[0]);
    await waitFor(() => facade.getState().fileNames.includes('elsewhere.txt'), { what: 'shared file in the snapshot' });
    assert.ok(changes > before, 'subscribers heard of the change');

    const help = (await facade.run('help')).lines;
    assert.ok(help.some((l) => l.startsWith('download')), help.join('\n'));
    assert.not.match(help.join('\n'), /--index|RFC|P2P-CI/, 'no index-mode words without --index');

    const err = await facade.run('frob').catch((e: unknown) => e);
    assert.ok(isLanmeshError(err, 'BAD_COMMAND'), String(err));
    assert.equal((await facade.run('exit')).exit, true);

    unsubscribe();
    facade.close();
    facade.close();
    await facade.stop();
    await facade.stop();
  } finally {
    await peer?.stop();
    await tmp.remove();
  }
}));

test('the UI resumes a partial download left in the folder, and says so', withTimeout(20_000, async () => {
  const tmp = await makeTmpDir();
  let peer: Peer | undefined;
  try {
    const CS = 1024;
    const bytes = randomBytes(4 * CS);
    const m = manifestOf(bytes, 'half.bin', CS);
    const pd = await PartialDownload.open(tmp.path, m);
    await pd.writeChunk(0, bytes.subarray(0, CS));
    await pd.writeChunk(1, bytes.subarray(CS, 2 * CS));
    await pd.close();
    peer = await Peer.start({
      dir: tmp.path, port: 0, name: 'resumer', bindHost: '127.0.0.1',
      discovery: { mdns: { multicast: false, ip: '127.0.0.1', port: await freeUdpPort() } },
    });
    const facade = createPeerFacade(peer, { address: '127.0.0.1' });
    try {
      const s = await waitFor(() => {
        const st = facade.getState();
        return st.downloads.length > 0 && st.notices.some((n) => n.text.startsWith('resuming')) ? st : undefined;
      }, { what: 'the resumed download in the snapshot' });
      assert.equal(s.downloads.map((d) => [d.name, d.bytes, d.phase]), [['half.bin', 2 * CS, 'waiting']]);
      const n = s.notices.find((x) => x.text.startsWith('resuming'))!;
      assert.is(n.text, 'resuming half.bin (4.0 KiB, 4 chunks): 2/4 chunks already here, no holder reachable yet: waiting for one');
    } finally {
      facade.close();
    }
  } finally {
    await peer?.stop();
    await tmp.remove();
  }
}));

test('index mode: the index status and its notices reach the UI; mDNS off is in the snapshot', withTimeout(20_000, async () => {
  const tmp = await makeTmpDir();
  const index = new IndexServer();
  let peer: Peer | undefined;
  try {
    const { port } = await index.start({ port: 0, host: '127.0.0.1' });
    await mkdir(join(tmp.path, 'shared'), { recursive: true });
    await writeFile(join(tmp.path, 'shared', 'rfc791.txt'), 'Internet Protocol\\n');
    peer = await Peer.start({ dir: tmp.path, port: 0, name: 'indexed', bindHost: '127.0.0.1', mdns: false, index: { host: '127.0.0.1', port } });
    const facade = createPeerFacade(peer, { address: '127.0.0.1' });
    try {
      let s = facade.getState();
      assert.is(s.discovering, false);
      assert.equal(s.index, { server: `127.0.0.1:${port}`, state: 'connected', rfcs: 1 });
      // A new RFC file: the index mode registers it and says so through the peer's notice event.
      const extra = join(tmp.path, 'rfc793.txt');
      await writeFile(extra, 'Transmission Control Protocol\\n');
      await facade.run(`share ${extra}`);
      s = await waitFor(() => {
        const st = facade.getState();
        return st.notices.some((n) => /registered RFC 793/.test(n.text)) ? st : undefined;
      }, { what: 'the registration notice' });
      assert.is(s.index?.rfcs, 2);
      assert.is(s.notices.find((n) => /registered RFC 793/.test(n.text))!.level, 'info');
    } finally {
      facade.close();
    }
  } finally {
    await peer?.stop();
    await index.close();
    await tmp.remove();
  }
}));

test.run();
