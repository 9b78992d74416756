// The README's first command, `cd peer1 && npx lanmesh`, runs the clone's own build at once: npx must not
// install the clone into its cache first (it does when the folder's npm prefix is the clone itself, whose
// package.json has the `lanmesh` bin: 25-45 s on a fresh clone). Run against an empty npm cache, offline:
// any install attempt fails there, so the test cannot pass by a warm cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

test('npx lanmesh in each sample folder runs the linked build, installing nothing', withTimeout(60_000, async () => {
  // What `npm install` does after tsc (CI installs with --ignore-scripts); leaves an existing link alone.
  await execFileP(process.execPath, [join(ROOT, 'scripts', 'link-bin.mjs')]);
  const cache = await makeTmpDir('lanmesh-npm-cache-');
  try {
    for (const folder of ['peer1', 'peer2', 'peer3']) {
      const r = await execFileP('npx', ['--offline', 'lanmesh', '--version'], {
        cwd: join(ROOT, folder),
        env: { ...process.env, npm_config_cache: cache.path, npm_config_update_notifier: 'false' },
      });
      assert.is(r.stdout.trim(), VERSION, `${folder}: ${r.stdout}${r.stderr}`);
    }
    assert.not.ok(existsSync(join(cache.path, '_npx')), 'npx installed something into its cache');
  } finally {
    await cache.remove();
  }
}));

test.run();
