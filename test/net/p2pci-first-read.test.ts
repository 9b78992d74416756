// A GET answer's header block must reach the client alone in its first read: clients that read the
// headers with one recv(1024) and then copy "the rest" otherwise keep a truncated file (issue 16.1).
// Real processes: an index server and a peer in index mode; busy loops load the CPU meanwhile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { startIndexServer, type IndexServerProcess } from '../support/index-server-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange, freeTcpPort } from '../support/free-port.js';
import { withTimeout } from '../support/with-timeout.js';

const BUSY_LOOPS = 4;
const CLIENTS = 200;
const AT_ONCE = 10;

/**
 * One GET as the clients send it: the first read, then the rest until the server closes
 * (so the test never holds more connections than it runs at once). Resolves with the first read.
 */
function firstRead(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let first: Buffer | undefined;
    s.once('error', reject);
    // libuv reads once per readable event when the read comes up short: the first chunk is one recv().
    s.on('data', (b: Buffer) => (first ??= b));
    s.once('close', () => (first ? resolve(first) : reject(new Error('closed without an answer'))));
    s.once('connect', () => s.write('GET RFC 162 P2P-CI/1.0\nHost: vm\nOS: Linux\n'));
  });
}

test('under CPU load, no first read of a GET answer holds body bytes', withTimeout(90_000, async () => {
  const tmp = await makeTmpDir();
  const loops: ChildProcess[] = [];
  let idx: IndexServerProcess | undefined;
  let peer: PeerProcess | undefined;
  try {
    const dir = join(tmp.path, 'peer');
    await mkdir(join(dir, 'shared'), { recursive: true });
    await writeFile(join(dir, 'shared', 'rfc162.txt'), 'RFC 162 NETBUGGER3\n'.repeat(600));
    const indexPort = await freeTcpPort();
    idx = await startIndexServer({ port: indexPort, host: '127.0.0.1', quiet: true });
    peer = await startPeer({ dir, port: await freePortRange(4), args: ['--index', `127.0.0.1:${indexPort}`, '--no-mdns'] });
    await peer.waitForNotice(/^\* index .*registered 1 RFC/);
    const port = peer.info.ports[1];
    // The clients stand for programs blocked in recv(), which the kernel wakes promptly; this one
    // process serves them all, so it gets the priority they would have (root in the test netns).
    try {
      setPriority(-10);
    } catch {
      // Not root: the count is still taken, only with a slower client.
    }
    for (let i = 0; i < BUSY_LOOPS; i++) loops.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    let withBody = 0;
    let done = 0;
    const worker = async () => {
      while (done < CLIENTS) {
        done++;
        const b = await firstRead(port);
        const end = b.indexOf('\r\n\r\n');
        assert.ok(b.toString('latin1').startsWith('P2P-CI/1.0 200 OK\r\n'), b.toString('latin1', 0, 40));
        if (end < 0 || b.length > end + 4) withBody++;
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    console.log(`first reads holding body bytes: ${withBody} of ${CLIENTS} (${BUSY_LOOPS} busy loops)`);
    assert.is(withBody, 0);
  } finally {
    for (const l of loops) l.kill('SIGKILL');
    await peer?.close();
    await idx?.close();
    await tmp.remove();
  }
}));

test.run();
