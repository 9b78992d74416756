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

test.run();
