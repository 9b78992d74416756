// The UI's live push rows: one row per recipient under the transfers, updated in place, cut to
// "… and N more" when the screen is short, and gone when the push ends.
import './support/force-color.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { withTimeout } from '../support/with-timeout.js';
import { FakeFacade } from './support/fake-facade.js';
import { frameWhere, frameWith, livePanel, plain, resize } from './support/frames.js';
import type { PushCell } from '../../src/ui/push-matrix.js';

/** Lets React run the effects of the frame just drawn (Ink's input hooks switch there). */
const effects = () => new Promise((resolve) => setImmediate(resolve));

const cells = (n: number, pct: number, over: (i: number) => Partial<PushCell> = () => ({})): PushCell[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `peer${i + 2}`, state: 'receiving', chunks: pct, total: 100, fromOrigin: Math.floor(pct / 4), fromPeers: pct - Math.floor(pct / 4), rate: 1048576, ...over(i),
  }));
const push = (n: number, pct: number, over?: (i: number) => Partial<PushCell>) => [{ key: 'a', title: `push big.bin → ${n} recipients`, cells: cells(n, pct, over) }];
/** The live panel without the blank line Ink may leave under it. */
const panelOf = (f: string) => livePanel(f).filter((l, i, all) => i < all.length - 1 || l.trim() !== '');

test('push matrix: a row per recipient (bar, percent, rate, origin / peers), updated in place, gone at the end', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    fake.set({ pushes: push(3, 10) });
    let f = await frameWith(ui.lastFrame, 'push big.bin → 3 recipients · 0/3 done');
    for (const p of ['peer2', 'peer3', 'peer4']) assert.match(f, new RegExp(`${p} +█{0,1}▓*░+ +10%  1\\.0 MiB/s +origin 2 · peers 8`));
    fake.set({ pushes: push(3, 60, (i) => (i === 2 ? { state: 'refused', reason: 'declined by its user' } : {})) });
    f = await frameWith(ui.lastFrame, 'peer4 refused: declined by its user');
    assert.match(f, /peer2 +█+▓+░+ +60%/);
    assert.not.match(f, '10%');
    fake.set({ pushes: undefined });
    f = await frameWhere(ui.lastFrame, (x) => !x.includes('push big.bin'), 'push rows gone');
    assert.not.match(f, 'peer2');
  } finally {
    ui.unmount();
  }
}));

test('30 recipients: a grid of cells when rows do not fit, all 30 shown on a wide screen, cut on a narrow one', withTimeout(5000, async () => {
  const fake = new FakeFacade({ pushes: push(30, 20) });
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    resize(ui.stdout, 140, 16);
    let f = await frameWhere(ui.lastFrame, (x) => x.includes('peer31') && !x.includes('origin 5 · peers 15'), 'the grid');
    let panel = panelOf(f);
    assert.ok(panel.length <= 15, `panel has ${panel.length} rows on a 16-row screen:\n${panel.join('\n')}`);
    for (let i = 2; i <= 31; i++) assert.match(f, new RegExp(`peer${i} +[█▓░]{8} +20%`));
    assert.match(f, 'push big.bin → 30 recipients · 0/30 done');
    resize(ui.stdout, 80, 16);
    f = await frameWith(ui.lastFrame, /… and \d+ more recipients/);
    panel = panelOf(f);
    assert.ok(panel.length <= 15, `panel has ${panel.length} rows:\n${panel.join('\n')}`);
    assert.ok(panel.every((l) => l.length <= 80), 'no row wider than the screen');
    assert.match(f, /›/);
  } finally {
    ui.unmount();
  }
}));

test('no flicker: 40 updates of 30 recipients keep the panel the same height, inside the screen', withTimeout(10_000, async () => {
  const fake = new FakeFacade({ pushes: push(30, 0) });
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    resize(ui.stdout, 120, 20);
    const first = panelOf(await frameWhere(ui.lastFrame, (x) => x.includes('peer31') && !x.includes('origin 0 · peers 0'), 'the grid')).length;
    assert.ok(first <= 19, `${first} rows`);
    for (let k = 1; k <= 40; k++) {
      const pct = Math.min(100, k * 3);
      fake.set({ pushes: push(30, pct, (i) => (i % 7 === 0 && k > 20 ? { state: 'done', chunks: 100 } : i === 5 && k > 30 ? { state: 'gone', reason: 'it left' } : {})) });
      const f = await frameWith(ui.lastFrame, k > 20 ? `5/30 done` : `${String(pct).padStart(3)}%`);
      assert.is(panelOf(f).length, first, `update ${k}:\n${f}`);
    }
    assert.is(panelOf(ui.lastFrame() ? plain(ui.lastFrame()) : '').length, first);
  } finally {
    ui.unmount();
  }
}));

test('--accept ask: the offer takes the prompt\'s place; other keys do nothing, y answers, the prompt comes back', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    ui.stdin.write('li');
    await frameWith(ui.lastFrame, '› li');
    fake.set({ question: 'peer2 pushes big.bin (32.0 MiB): accept it? y/n (refused in 60 s)' });
    let f = await frameWith(ui.lastFrame, '? peer2 pushes big.bin (32.0 MiB): accept it? y/n');
    assert.not.match(f, '› li');
    await effects();
    ui.stdin.write('x');
    ui.stdin.write('\r');
    f = await frameWith(ui.lastFrame, '? peer2 pushes big.bin');
    assert.equal(fake.pushAnswers, []);
    assert.equal(fake.runs, []);
    ui.stdin.write('y');
    f = await frameWith(ui.lastFrame, '* accepted big.bin from peer2');
    assert.equal(fake.pushAnswers, [true]);
    f = await frameWith(ui.lastFrame, '› li');
    fake.set({ question: 'peer3 pushes big.bin (32.0 MiB): accept it? y/n (refused in 60 s)' });
    await frameWith(ui.lastFrame, '? peer3 pushes');
    await effects();
    ui.stdin.write('N');
    await frameWith(ui.lastFrame, '* refused big.bin from peer2');
    assert.equal(fake.pushAnswers, [true, false]);
    assert.equal(fake.runs, [], 'no key went to the command line');
  } finally {
    ui.unmount();
  }
}));

test.run();
