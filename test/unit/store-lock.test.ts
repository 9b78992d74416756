// One running peer per folder: a second process is refused; a lock left by a dead one is taken over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireFolderLock } from '../../src/store/folder-lock.js';
import { isLanmeshError } from '../../src/errors.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src/store/folder-lock.js', import.meta.url));

test('a live holder keeps the folder; a dead one does not; release frees it', withTimeout(15_000, async () => {
  const tmp = await makeTmpDir();
  const meta = join(tmp.path, '.lanmesh');
  await mkdir(meta);
  // Another process takes the lock and holds it until killed.
  const child = spawn(process.execPath, [
    '--input-type=module', '-e',
    `const { acquireFolderLock } = await import(${JSON.stringify(LOCK_MODULE)});
     await acquireFolderLock(${JSON.stringify(tmp.path)}, ${JSON.stringify(meta)});
     console.log('locked'); setInterval(() => {}, 1000);`,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
    try {
      await acquireFolderLock(tmp.path, meta);
      assert.unreachable('a second process must be refused');
    } catch (e) {
      assert.ok(isLanmeshError(e, 'FOLDER_UNUSABLE'));
      assert.match((e as Error).message, new RegExp(`in use by a running lanmesh \\(pid ${child.pid}\\)`));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const lock = await acquireFolderLock(tmp.path, meta);
    assert.is((await readFile(join(meta, 'lock'), 'utf8')).trim(), String(process.pid));
    await lock.release();
    await lock.release();
    const again = await acquireFolderLock(tmp.path, meta);
    await again.release();
  } finally {
    child.kill('SIGKILL');
    await tmp.remove();
  }
}));

test.run();
