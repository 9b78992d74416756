// The UI's live upload rows: one per requester and file while bytes flow, cut when the screen is
// short, gone when the uploads end (issue 14, item 8).
import './support/force-color.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { withTimeout } from '../support/with-timeout.js';
import { FakeFacade } from './support/fake-facade.js';
import { frameWhere, frameWith, livePanel, resize } from './support/frames.js';

const row = (i: number, mib: number) => `↑ big.bin → peer${i}  ${mib}.0 MiB of 24.0 MiB  3.0 MiB/s`;

test('upload rows: shown while uploads run, updated, then gone', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    fake.set({ uploads: [row(2, 1), row(3, 2)] });
    let f = await frameWith(ui.lastFrame, '↑ big.bin → peer3');
    assert.match(f, '↑ big.bin → peer2  1.0 MiB of 24.0 MiB');
    fake.set({ uploads: [row(2, 9)] });
    f = await frameWith(ui.lastFrame, '9.0 MiB of 24.0 MiB');
    assert.not.match(f, 'peer3');
    fake.set({ uploads: undefined });
    f = await frameWhere(ui.lastFrame, (x) => !x.includes('↑ big.bin'), 'upload rows gone');
  } finally {
    ui.unmount();
  }
}));

test('many uploads on a short screen: cut to "… and N more uploads", the panel fits', withTimeout(5000, async () => {
  const fake = new FakeFacade({ uploads: Array.from({ length: 20 }, (_, i) => row(i + 2, 1)) });
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    resize(ui.stdout, 100, 14);
    const f = await frameWith(ui.lastFrame, /… and \d+ more uploads/);
    const panel = livePanel(f).filter((l, i, all) => i < all.length - 1 || l.trim() !== '');
    assert.ok(panel.length <= 13, `panel has ${panel.length} rows on a 14-row screen:\n${panel.join('\n')}`);
    assert.match(f, '↑ big.bin → peer2');
  } finally {
    ui.unmount();
  }
}));

test.run();
