// The UI's live push rows: one row per recipient under the transfers, updated in place, cut to
// "… and N more" when the screen is short, and gone when the push ends.
import './support/force-color.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { withTimeout } from '../support/with-timeout.js';
import { FakeFacade } from './support/fake-facade.js';
import { frameWhere, frameWith, livePanel, resize } from './support/frames.js';

/** Lets React run the effects of the frame just drawn (Ink's input hooks switch there). */
const effects = () => new Promise((resolve) => setImmediate(resolve));

const rows = (n: number, pct: number) => Array.from({ length: n }, (_, i) => `peer${i + 2} ${pct}% ${pct}/100 1.0 MiB/s (origin ${pct / 2}, peers ${pct / 2})`);

test('push rows: one per recipient, updated in place, then gone at the end', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    fake.set({ pushes: [{ key: 'a', title: 'push big.bin → 3 recipients', rows: rows(3, 10) }] });
    let f = await frameWith(ui.lastFrame, 'push big.bin → 3 recipients');
    for (const p of ['peer2 10%', 'peer3 10%', 'peer4 10%']) assert.match(f, p);
    fake.set({ pushes: [{ key: 'a', title: 'push big.bin → 3 recipients', rows: rows(3, 60) }] });
    f = await frameWith(ui.lastFrame, 'peer4 60%');
    assert.not.match(f, 'peer2 10%');
    fake.set({ pushes: undefined });
    f = await frameWhere(ui.lastFrame, (x) => !x.includes('push big.bin'), 'push rows gone');
    assert.not.match(f, 'peer4 60%');
  } finally {
    ui.unmount();
  }
}));

test('30 recipients on a short screen: the rows are cut, the panel stays shorter than the screen', withTimeout(5000, async () => {
  const fake = new FakeFacade({ pushes: [{ key: 'a', title: 'push big.bin → 30 recipients', rows: rows(30, 20) }] });
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    resize(ui.stdout, 100, 16);
    const f = await frameWith(ui.lastFrame, /… and \d+ more push rows/);
    const panel = livePanel(f).filter((l, i, all) => i < all.length - 1 || l.trim() !== '');
    assert.ok(panel.length <= 15, `panel has ${panel.length} rows on a 16-row screen:\n${panel.join('\n')}`);
    assert.match(f, 'push big.bin → 30 recipients');
    assert.match(f, 'peer2 20%');
    assert.match(f, /›/);
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
