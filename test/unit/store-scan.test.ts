// The folder walk: what is offered, what is skipped (links out of the folder, .lanmesh, temp names,
// special files), and that each skip is reported through the callback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanFolder } from '../../src/store/scan.js';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

test(
  'scan lists shared/ and downloads/ recursively and skips what must not be offered',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    const outside = await makeTmpDir('lanmesh-outside-');
    try {
      const root = join(tmp.path, 'peer');
      const w = (rel: string, text = rel) => writeFile(join(root, rel), text);
      for (const d of ['shared/sub/deeper', 'shared/.lanmesh', 'downloads', '.lanmesh/partial', 'elsewhere']) {
        await mkdir(join(root, d), { recursive: true });
      }
      await w('shared/a.txt');
      await w('shared/with space ü.txt');
      await w('shared/.hidden-but-offered');
      await w('shared/sub/deeper/b.txt');
      await w('shared/.lanmesh-tmp-download');
      await w('shared/.lanmesh/x');
      await w('downloads/c.txt');
      await w('downloads/.lanmesh-c.txt.partial');
      await w('.lanmesh/partial/p');
      await w('elsewhere/e.txt');
      await writeFile(join(outside.path, 'secret.txt'), 'secret');
      await symlink(join(outside.path, 'secret.txt'), join(root, 'shared/evil-file'));
      await symlink(outside.path, join(root, 'shared/evil-dir'));
      await symlink('../../../', join(root, 'shared/sub/up-and-out'));
      await symlink('../elsewhere/e.txt', join(root, 'shared/inside-link.txt'));
      await symlink('../.lanmesh', join(root, 'shared/meta-link'));
      await symlink('..', join(root, 'shared/sub/loop'));
      await symlink('missing-target', join(root, 'shared/dangling'));
      execFileSync('mkfifo', [join(root, 'shared/fifo')]);

      const issues = new Map<string, string>();
      const dirs: string[] = [];
      const { files, dirs: walked } = await scanFolder({
        root,
        realRoot: await realpath(root),
        onIssue: (rel, msg) => issues.set(rel, msg),
        onDir: (d) => dirs.push(d),
      });
      const rels = files.map((f) => f.relPath).sort();
      assert.equal(rels, [
        'downloads/c.txt',
        'shared/.hidden-but-offered',
        'shared/a.txt',
        'shared/inside-link.txt',
        'shared/sub/deeper/b.txt',
        'shared/with space ü.txt',
      ]);
      const inside = files.find((f) => f.relPath === 'shared/inside-link.txt')!;
      assert.is(inside.size, 'elsewhere/e.txt'.length);
      assert.is(inside.path, join(root, 'shared/inside-link.txt'));
      assert.is(files.find((f) => f.relPath === 'downloads/c.txt')!.origin, 'downloads');
      assert.is(files.find((f) => f.relPath === 'shared/a.txt')!.origin, 'shared');
      assert.equal([...issues.keys()].sort(), [
        'shared/dangling',
        'shared/evil-dir',
        'shared/evil-file',
        'shared/meta-link',
        'shared/sub/up-and-out',
      ]);
      assert.match(issues.get('shared/evil-file')!, /outside the peer folder/);
      assert.equal(dirs, walked);
      assert.ok(walked.includes(join(root, 'shared/sub/deeper')));
      assert.not.ok(walked.some((d) => d.includes('.lanmesh')));
    } finally {
      await outside.remove();
      await tmp.remove();
    }
  }),
);

test(
  'a missing shared/ or downloads/ is simply empty; an outside link as shared/ itself is refused',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    const outside = await makeTmpDir('lanmesh-outside-');
    try {
      await writeFile(join(outside.path, 'x.txt'), 'x');
      const issues: string[] = [];
      const r1 = await scanFolder({ root: tmp.path, realRoot: await realpath(tmp.path), onIssue: (rel) => issues.push(rel) });
      assert.equal(r1.files, []);
      assert.equal(issues, []);
      await symlink(outside.path, join(tmp.path, 'shared'));
      const r2 = await scanFolder({ root: tmp.path, realRoot: await realpath(tmp.path), onIssue: (rel) => issues.push(rel) });
      assert.equal(r2.files, []);
      assert.equal(issues, ['shared']);
    } finally {
      await outside.remove();
      await tmp.remove();
    }
  }),
);

test.run();
