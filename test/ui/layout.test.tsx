// The live panel's shape: narrow and resized terminals never make it wrap, a short terminal caps it,
// and ten or more updates a second are coalesced into a few renders (no flicker).
import './support/force-color.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { withTimeout } from '../support/with-timeout.js';
import { FakeFacade, downloadView, peerView } from './support/fake-facade.js';
import { frameWhere, frameWith, livePanel, plain, resize } from './support/frames.js';

const MiB = 1024 * 1024;
const width = (line: string) => [...line].length;

function busyFacade(): FakeFacade {
  return new FakeFacade({
    peers: [peerView('peer2', 2, 3), peerView('a-peer-with-a-rather-long-name', 3, 12)],
    downloads: [
      downloadView({ key: 'a', name: 'ubuntu-24.04-desktop-amd64.iso', size: 64 * MiB, bytes: 16 * MiB, rate: 4 * MiB, holders: 2, known: 3 }),
      downloadView({ key: 'b', name: 'notes.txt', size: 1000, bytes: 500, rate: 0, holders: 0, known: 0, phase: 'waiting' }),
    ],
  });
}

test('a narrow terminal: every live line fits, bars and percentages still show', withTimeout(5000, async () => {
  const fake = busyFacade();
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, '25%');
    for (const cols of [60, 40, 24]) {
      resize(ui.stdout, cols);
      const f = await frameWhere(ui.lastFrame, (t) => livePanel(t)[0] === '─'.repeat(cols), `panel at ${cols} columns`);
      const panel = livePanel(f);
      const wide = panel.filter((l) => width(l) > cols);
      assert.equal(wide, [], `lines wider than ${cols}`);
      assert.ok(panel.some((l) => /█+░+\s+25%/.test(l)), `a bar with its percentage at ${cols} columns:\n${panel.join('\n')}`);
      assert.ok(panel.some((l) => /50%/.test(l)));
      assert.ok(panel.some((l) => l.includes('peer1')), 'header still names the peer');
    }
  } finally {
    ui.unmount();
  }
}));

test('resizing back to a wide terminal restores the one-line layout', withTimeout(5000, async () => {
  const fake = busyFacade();
  const ui = render(<App facade={fake} />);
  try {
    resize(ui.stdout, 40);
    let f = await frameWhere(ui.lastFrame, (t) => livePanel(t)[0] === '─'.repeat(40), 'narrow panel');
    assert.ok(livePanel(f).some((l) => /^\s+4\.0 MiB\/s/.test(l) || /^\s+16\.0 MiB/.test(l)), 'details on their own line when narrow');
    resize(ui.stdout, 120);
    f = await frameWhere(ui.lastFrame, (t) => livePanel(t)[0] === '─'.repeat(120), 'wide panel');
    assert.match(f, /ubuntu-24\.04-desktop-amd64\.iso\s+█+░+\s+25%\s+16\.0 MiB\/64\.0 MiB\s+4\.0 MiB\/s\s+ETA 0:12\s+from 2 of 3 holders/);
    assert.match(f, /lanmesh\s+peer1\s+10\.77\.0\.1\s+ports 9001,9002,9003,9004\s+2 peers/);
  } finally {
    ui.unmount();
  }
}));

test('a short terminal: the live panel stays shorter than the screen (no full repaints)', withTimeout(5000, async () => {
  const peers = Array.from({ length: 12 }, (_, i) => peerView(`peer${i + 2}`, i + 2, i));
  const downloads = Array.from({ length: 10 }, (_, i) => downloadView({ key: `d${i}`, name: `file-${i}.bin`, size: 100, bytes: i * 10, rate: 5, holders: 1, known: 1 }));
  const fake = new FakeFacade({ peers, downloads });
  const ui = render(<App facade={fake} />);
  try {
    resize(ui.stdout, 100, 14);
    const f = await frameWith(ui.lastFrame, /more \(type peers\)/);
    const panel = livePanel(f).filter((l, i, all) => i < all.length - 1 || l.trim() !== '');
    assert.ok(panel.length <= 13, `panel has ${panel.length} rows on a 14-row screen:\n${panel.join('\n')}`);
    assert.match(f, /… and \d+ more download/);
    assert.match(f, /›/);
  } finally {
    ui.unmount();
  }
}));

test('fifty updates in half a second are coalesced into a few renders, the last one shown', withTimeout(5000, async () => {
  const fake = new FakeFacade({ downloads: [downloadView({ key: 'a', name: 'big.iso', size: 1000, bytes: 0, holders: 1, known: 1 })] });
  const ui = render(<App facade={fake} throttleMs={100} />);
  try {
    await frameWith(ui.lastFrame, 'big.iso');
    const before = ui.frames.length;
    for (let i = 1; i <= 50; i++) {
      fake.set({ downloads: [downloadView({ key: 'a', name: 'big.iso', size: 1000, bytes: i * 20, rate: 200, holders: 1, known: 1 })] });
      await new Promise((r) => setTimeout(r, 10));
    }
    const f = await frameWith(ui.lastFrame, '100%');
    const renders = ui.frames.length - before;
    assert.ok(renders <= 10, `${renders} renders for 50 updates`);
    assert.ok(renders >= 3, `still updates while it runs (${renders} renders)`);
    assert.match(plain(f), /big\.iso\s+█+\s+100%/);
  } finally {
    ui.unmount();
  }
}));

test.run();
