// close() leaves nothing behind: a child process opens a store, indexes, closes, and must exit by
// itself, with its hash worker thread gone and no inotify watch left (counted through /proc).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const CHILD = `
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
const { LocalStore } = await import(process.argv[2]);
const dir = process.argv[3];
const threads = () => readdirSync('/proc/self/task').length;
const watches = () => {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync('/proc/self/fd/' + fd) !== 'anon_inode:inotify') continue;
      n += readFileSync('/proc/self/fdinfo/' + fd, 'utf8').split('\\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {}
  }
  return n;
};
await stat(dir); // starts libuv's thread pool before the baseline
const base = { threads: threads(), watches: watches() };
const store = await LocalStore.open({ dir, chunkSize: 65536 });
await store.start();
const running = { threads: threads(), watches: watches(), files: store.files().length };
await store.close();
await store.close();
// A just-settled fs promise is still listed until the loop turns once.
await new Promise((r) => setImmediate(r));
const closed = { threads: threads(), watches: watches(), resources: process.getActiveResourcesInfo() };
process.stdout.write(JSON.stringify({ base, running, closed }));
`;

test(
  'after close() the process exits on its own: no worker thread, watcher or timer left',
  withTimeout(15000, async () => {
    const tmp = await makeTmpDir();
    try {
      const peer = join(tmp.path, 'peer');
      await mkdir(join(peer, 'shared', 'sub'), { recursive: true });
      await writeFile(join(peer, 'shared', 'sub', 'f.bin'), randomBytes(500_000));
      await writeFile(join(peer, 'shared', 'g.txt'), 'g');
      const script = join(tmp.path, 'child.mjs');
      await writeFile(script, CHILD);
      const storeModule = fileURLToPath(new URL('../../src/store/local-store.js', import.meta.url));
      const child = spawn(process.execPath, [script, storeModule, peer], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (err += d));
      try {
        const [code] = (await once(child, 'exit')) as [number | null];
        assert.is(code, 0, err);
      } finally {
        child.kill();
      }
      const r = JSON.parse(out) as {
        base: { threads: number; watches: number };
        running: { threads: number; watches: number; files: number };
        closed: { threads: number; watches: number; resources: string[] };
      };
      console.log(`    ${out}`);
      assert.is(r.running.files, 2);
      assert.ok(r.running.threads > r.base.threads, 'a hash worker thread ran');
      assert.ok(r.running.watches >= 3, 'shared/, shared/sub/ and downloads/ were watched');
      assert.is(r.closed.threads, r.base.threads, 'worker thread gone');
      assert.is(r.closed.watches, r.base.watches, 'no inotify watch left');
      // Only the child's own stdout/stderr pipes may remain.
      assert.equal(r.closed.resources.filter((x) => x !== 'PipeWrap' && x !== 'TTYWrap'), []);
    } finally {
      await tmp.remove();
    }
  }),
);

test.run();
