// `--accept ask` in the real terminal UI (issue 10): a push from another peer takes the prompt's place
// as a y/n question; y fetches the file into downloads/, n refuses it (the origin's summary says so).
// The TUI runs in tmux inside host 1's namespace; the origin is a line-mode peer on host 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLan, type Lan, type LanHost } from '../support/lan.js';
import { TmuxTui, q, tmuxSkipReason } from '../support/tmux-tui.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const PORT = 9001;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const skip = tmuxSkipReason();
if (skip) {
  console.log(`SKIP tui push-ask e2e: ${skip}`);
} else {
  test('TUI --accept ask: the offer is a y/n prompt; y takes the file, n refuses the next one', withTimeout(120_000, async () => {
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    let origin: PeerProcess | undefined;
    let tui: TmuxTui | undefined;
    try {
      lan = await createLan(2);
      const [h1, h2] = lan.hosts as [LanHost, LanHost];
      const originDir = join(tmp.path, 'origin');
      const tuiDir = join(tmp.path, 'lab-pc');
      await mkdir(join(originDir, 'shared'), { recursive: true });
      await mkdir(join(tuiDir, 'shared'), { recursive: true });
      const slides = randomBytes(3 * 1024 * 1024);
      await writeFile(join(originDir, 'shared', 'slides.pdf'), slides);
      await writeFile(join(originDir, 'shared', 'other.bin'), randomBytes(4096));
      origin = await startPeer({ host: h2, dir: originDir, port: PORT, name: 'teacher' });
      const cmd = `${q(process.execPath)} ${q(CLI)} -t ${PORT} --dir ${q(tuiDir)} --name lab-pc --accept ask; sleep 300`;
      tui = await TmuxTui.start(h1, join(tmp.path, 'tmux.sock'), cmd, 100, 24);
      await tui.waitScreen((s) => /● teacher\s+10\./.test(s), 'the origin in the peer list');
      await origin.waitForNotice(/peer up: lab-pc/, 15_000);

      // Text typed before the question stays in the prompt after it.
      await tui.type('lis');
      assert.match((await origin.command('distribute slides.pdf'))[0]!, /slides\.pdf/);
      const asked = await tui.waitScreen((s) => /^\? teacher pushes slides\.pdf \(3\.0 MiB\): accept it\? y\/n \(refused in \d+ s\)$/m.test(s), 'the question in the prompt');
      assert.not.match(asked, /› lis/, `the question takes the prompt's place:\n${asked}`);
      // Other keys are ignored; keys that arrive in one read (fast typing, a busy machine) still answer.
      await tui.type('x');
      await tui.type('zy');
      await tui.waitScreen((s) => /✓ slides\.pdf\s+█+\s+100%/.test(s) || /downloaded slides\.pdf/.test(s), 'the accepted push finished', 30_000);
      await origin.waitForNotice(/^\* distributed slides\.pdf: 1 done, 0 refused, 0 gone/, 30_000);
      assert.is(sha(await readFile(join(tuiDir, 'downloads', 'slides.pdf'))), sha(slides));
      await tui.waitScreen((s) => /› lis\s*$/m.test(s), 'the typed text back in the prompt');

      assert.match((await origin.command('distribute other.bin'))[0]!, /other\.bin/);
      await tui.waitScreen((s) => /^\? teacher pushes other\.bin .*accept it\? y\/n/m.test(s), 'the second question');
      await tui.type('n');
      await origin.waitForNotice(/^\* distributed other\.bin: 0 done, 1 refused, 0 gone/, 30_000);
      assert.not.ok(existsSync(join(tuiDir, 'downloads', 'other.bin')), 'nothing written for a refused push');
    } finally {
      tui?.killSync();
      await origin?.close();
      await lan?.close();
      await tmp.remove();
    }
  }));
}

test.run();
