// The P2P-CI command line says what happened (issue 16.7): help instead of a running server,
// flag values quoted, an ADD that times out blamed on us and not on the server, and a help table
// that fits index mode without mDNS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange } from '../support/free-port.js';
import { withTimeout } from '../support/with-timeout.js';
import { runCli } from '../support/run-cli.js';


test('index-server --help prints the help and exits 0; --port abc is quoted', withTimeout(15_000, async () => {
  for (const args of [['index-server', '--help'], ['index-server', '-h'], ['list', '--help']]) {
    // A command that starts a server instead of printing help would never exit.
    const r = await runCli(args, { timeoutMs: 5000 });
    assert.is(r.code, 0, `${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /Usage\n\s+\$ lanmesh /);
    assert.not.match(r.stdout, /listening/);
  }
  const bad = await runCli(['index-server', '--port', 'abc']);
  assert.is(bad.code, 2, "a usage error");
  assert.is(bad.stderr, "lanmesh: --port must be a number 0 to 65535, got 'abc'\n");
}));

test('an index that never answers ADD: start-up says nothing was registered and why; help fits --no-mdns', withTimeout(40_000, async () => {
  const tmp = await makeTmpDir();
  const silent = new Set<Socket>();
  const index = createServer((s) => {
    silent.add(s);
    s.on('error', () => {});
  });
  index.listen(0, '127.0.0.1');
  await once(index, 'listening');
  const indexPort = (index.address() as { port: number }).port;
  let peer: PeerProcess | undefined;
  try {
    const dir = join(tmp.path, 'peer');
    await mkdir(join(dir, 'shared'), { recursive: true });
    await writeFile(join(dir, 'shared', 'rfc791.txt'), 'RFC 791 Internet Protocol\n');
    peer = await startPeer({ dir, port: await freePortRange(4), args: ['--index', `127.0.0.1:${indexPort}`, '--no-mdns'], readyTimeoutMs: 30_000 });
    const start = await peer.waitForNotice(/^[*!] index /);
    assert.match(start, new RegExp(`^! index 127\\.0\\.0\\.1:${indexPort}: not registered \\(.*no answer to ADD RFC 791 within 10000 ms.*\\); reconnecting; mDNS off$`));
    await peer.waitForNotice(/connection lost \(no answer to ADD RFC 791 within 10000 ms; closed by lanmesh\); reconnecting/);
    const help = await peer.command('help');
    const words = help.map((l) => l.trim().split(/\s+/)[0]);
    assert.equal(words.filter((w) => w === 'list'), ['list'], help.join('\n'));
    for (const gone of ['peers', 'where', 'downloads']) assert.not.ok(words.includes(gone), `${gone} in:\n${help.join('\n')}`);
    assert.ok(help.some((l) => /^download <RFC number>/.test(l.trim())), help.join('\n'));
    assert.not.ok(help.some((l) => /download <name \| id>/.test(l)), help.join('\n'));
    assert.not.ok(peer.notices.some((n) => /closed by the server/.test(n)), peer.notices.join('\n'));
  } finally {
    await peer?.close();
    for (const s of silent) s.destroy();
    index.close();
    await tmp.remove();
  }
}));

test.run();
