// The real terminal UI in tmux on a namespace LAN: the tmux server runs inside host 1's namespace (so
// the TUI's multicast stays on the LAN); host 2 runs a line-mode seeder behind a shaped link. Types
// like a user, and asserts on what tmux shows (capture-pane). The captured screens are printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
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
const COLS = 110;
const ROWS = 34;

const show = (title: string, screen: string, cols = COLS) =>
  console.log(`\n┌── ${title} (tmux capture-pane, ${cols}×${ROWS}) ${'─'.repeat(20)}\n${screen}\n└${'─'.repeat(60)}`);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const skip = tmuxSkipReason();
if (skip) {
  console.log(`SKIP tui e2e: ${skip}`);
} else {
  test('TUI in tmux: a peer appears, list, download with a live bar to 100 %, exit', withTimeout(120_000, async () => {
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    let seeder: PeerProcess | undefined;
    let tui: TmuxTui | undefined;
    try {
      lan = await createLan(2);
      const [h1, h2] = lan.hosts as [LanHost, LanHost];
      const seedDir = join(tmp.path, 'seeder');
      const tuiDir = join(tmp.path, 'tui-peer');
      await mkdir(join(seedDir, 'shared'), { recursive: true });
      await mkdir(join(tuiDir, 'shared'), { recursive: true });
      const big = randomBytes(24 * 1024 * 1024);
      await writeFile(join(seedDir, 'shared', 'big.bin'), big);
      await writeFile(join(seedDir, 'shared', 'notes.txt'), 'meeting at ten\n');
      await writeFile(join(tuiDir, 'shared', 'mine.txt'), 'my own file\n');
      // ~6 MB/s out of the seeder: the download takes a few seconds, long enough to watch.
      await lan.setLinkRate(h2, 48_000_000);
      seeder = await startPeer({ host: h2, dir: seedDir, port: PORT, name: 'seeder' });

      const cmd = `${q(process.execPath)} ${q(CLI)} -t ${PORT} --dir ${q(tuiDir)} --name tui-peer; echo "EXITED $?"; sleep 300`;
      tui = await TmuxTui.start(h1, join(tmp.path, 'tmux.sock'), cmd, COLS, ROWS);

      // 1. The seeder appears in the live peer list without typing anything.
      const peersScreen = await tui.waitScreen(
        (s) => /lanmesh\s+tui-peer\s+10\.\d+\.\d+\.1\s+ports 9001,9002,9003,9004\s+1 peer\b/.test(s) && /● seeder\s+10\.\d+\.\d+\.2\s+ports 9001,9002,9003,9004\s+2 files/.test(s),
        'the seeder in the peer list',
      );
      show('peer list', peersScreen);
      await seeder.waitForNotice(/peer up: tui-peer/);

      // 2. list
      await tui.type('list');
      await tui.key('Enter');
      const listScreen = await tui.waitScreen((s) => /3 files on the mesh/.test(s) && /big\.bin\s+24\.0 MiB\s+seeder/.test(s), 'the list answer');
      assert.match(listScreen, /\*\s+mine\.txt\s+12 B\s+tui-peer/);
      assert.match(listScreen, /notes\.txt\s+15 B\s+seeder/);

      // 3. download, completed with Tab; the bar advances while the prompt stays usable.
      await tui.type('download bi');
      await tui.key('Tab');
      await tui.waitScreen((s) => /› download big\.bin\s*$/m.test(s), 'Tab completed the file name');
      await tui.key('Enter');
      const seen = new Set<number>();
      let running = '';
      const barRe = /big\.bin\s+([█░]+)\s+(\d+)%\s+[\d.]+ (?:B|KiB|MiB)\/24\.0 MiB\s+\S+ (?:B|KiB|MiB)\/s\s+ETA \S+\s+from 1 holder/;
      // The bar keeps one width while it runs, and never claims 0 holders while bytes arrive.
      const barWidths = new Set<number>();
      const zeroHolders: string[] = [];
      await tui.waitScreen((s) => {
        const m = barRe.exec(s);
        if (m && Number(m[2]) > 0 && Number(m[2]) < 100) {
          seen.add(Number(m[2]));
          barWidths.add(m[1]!.length);
          if (seen.size === 2) running = s;
        }
        const zero = /big\.bin\s+[█░]+\s+(\d+)%.*from 0 of 1 holder(?! \()/.exec(s);
        if (zero && Number(zero[1]) > 0 && Number(zero[1]) < 100) zeroHolders.push(zero[0]);
        return seen.size >= 3 || /✓ big\.bin/.test(s);
      }, 'the bar advancing', 30_000);
      assert.ok(seen.size >= 2, `saw the bar at ${[...seen].join(', ')} %`);
      assert.is(barWidths.size, 1, `bar widths seen: ${[...barWidths].join(', ')}`);
      assert.equal(zeroHolders, [], 'no "from 0 of 1 holder" while data arrives');
      show('a running download', running);
      await tui.type('peers');
      await tui.key('Enter');
      await tui.waitScreen((s) => /› peers\n1 peer\nseeder\s+10\./.test(s), 'peers answered during the download');

      // A narrower window: one panel, redrawn to fit (no doubled header, no line past the edge).
      await tui.resize(60, ROWS);
      const narrow = await tui.waitScreen((s) => {
        const lines = s.split('\n');
        return lines.filter((l) => /^─+$/.test(l)).length === 1 && lines.includes('─'.repeat(60)) && lines.every((l) => [...l].length <= 60);
      }, 'the panel redrawn at 60 columns');
      assert.match(narrow, /tui-peer\s+1 peer/);
      // The output stays on screen after the resize (printed again at the new width), not only in the scrollback.
      await tui.waitScreen((s) => /› peers\n1 peer\n/.test(s) && /3 files on the mesh/.test(s), 'the earlier output still on screen after narrowing');
      show('after narrowing the window', await tui.screen(), 60);
      await tui.resize(COLS, ROWS);

      const doneScreen = await tui.waitScreen((s) => /✓ big\.bin\s+█{20}\s+100%\s+24\.0 MiB/.test(s), 'the finished bar', 30_000);
      assert.match(doneScreen, /downloaded big\.bin: 24\.0 MiB in [\d.]+ s .*→ downloads\/big\.bin; from seeder 24\.0 MiB \(100%\)/s);
      assert.not.match(doneScreen.split('─'.repeat(COLS)).pop()!, /big\.bin\s+[█░]+/, 'the bar left the live panel');
      show('a finished download', doneScreen);
      assert.is(sha(await readFile(join(tuiDir, 'downloads', 'big.bin'))), sha(big));

      // clear empties the screen: only the live panel is left.
      await tui.type('clear');
      await tui.key('Enter');
      const cleared = await tui.waitScreen((s) => !/files on the mesh/.test(s) && !/✓ big\.bin/.test(s) && /1 peer\b/.test(s), 'the screen cleared');
      assert.ok(cleared.split('\n').filter((l) => l.trim()).length <= 6, `after clear:\n${cleared}`);

      // 4. An error is one red line, and exit leaves with a goodbye.
      await tui.type('download nothing-here');
      await tui.key('Enter');
      await tui.waitScreen((s) => /^error: no file 'nothing-here' on the mesh/m.test(s), 'the error line');
      await tui.type('exit');
      await tui.key('Enter');
      const exitScreen = await tui.waitScreen((s) => /EXITED 0/.test(s), 'the TUI exits with 0');
      assert.match(exitScreen, /bye: left the mesh \(goodbye sent\)\nEXITED 0/);
      assert.not.match(exitScreen, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace anywhere');
      show('after exit', exitScreen);
      await seeder.waitForNotice(/peer down: tui-peer \(goodbye\)/);
    } finally {
      tui?.killSync();
      await seeder?.close();
      await lan?.close();
      await tmp.remove();
    }
  }));

  test('NO_COLOR: the TUI prints no colour, and does without it', withTimeout(60_000, async () => {
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    const tuis: TmuxTui[] = [];
    try {
      lan = await createLan(1);
      const [h1] = lan.hosts as [LanHost];
      const styled: Record<string, string> = {};
      for (const [label, env] of [['plain', 'NO_COLOR=1'], ['colour', '-u NO_COLOR']] as const) {
        const dir = join(tmp.path, label);
        await mkdir(join(dir, 'shared'), { recursive: true });
        const port = label === 'plain' ? PORT : PORT + 10;
        const cmd = `env ${env} ${q(process.execPath)} ${q(CLI)} -t ${port} --dir ${q(dir)} --name ${label}; sleep 300`;
        const tui = await TmuxTui.start(h1, join(tmp.path, `${label}.sock`), cmd, COLS, ROWS);
        tuis.push(tui);
        await tui.waitScreen((s) => /lanmesh\s+\S+\s+10\.\d+\.\d+\.1\s+ports \S+\s+\d+ peers?\b/.test(s), `the ${label} TUI's header`);
        styled[label] = await tui.styledScreen();
      }
      // SGR colours: 30-37, 90-97, 38;5;n. tmux re-encodes what it shows, so any colour on screen appears here.
      const colour = /\u001b\[[0-9;]*(?:3[0-7]|9[0-7]|38;5;\d+)m/;
      assert.ok(colour.test(styled.colour!), 'without NO_COLOR the header is coloured');
      assert.not.ok(colour.test(styled.plain!), `with NO_COLOR no colour:\n${JSON.stringify(styled.plain!.slice(0, 400))}`);
    } finally {
      for (const t of tuis) t.killSync();
      await lan?.close();
      await tmp.remove();
    }
  }));
}

test.run();
