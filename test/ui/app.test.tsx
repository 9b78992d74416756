// The terminal UI against a fake facade: what a user sees as peers come and go, commands answer,
// downloads progress and finish, errors happen, and the user leaves.
import './support/force-color.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { withTimeout } from '../support/with-timeout.js';
import { FakeFacade, downloadView, peerView } from './support/fake-facade.js';
import { KEY, frameWhere, frameWith, livePanel } from './support/frames.js';
import type { CommandOutput } from '../../src/session/commands.js';

test('header: name, address, four ports and the peer count; an empty mesh says so', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} />);
  try {
    const f = await frameWith(ui.lastFrame, 'peer1');
    assert.match(f, /lanmesh\s+peer1\s+10\.77\.0\.1\s+ports 9001,9002,9003,9004\s+0 peers/);
    assert.match(f, /no other peers yet/);
    assert.match(f, /type help/);
  } finally {
    ui.unmount();
  }
}));

test('the peer list updates by itself as peers come and go', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, '0 peers');
    fake.set({ peers: [peerView('peer2', 2)] });
    fake.notice('info', 'peer up: peer2 10.77.0.2');
    let f = await frameWith(ui.lastFrame, 'peer up');
    assert.match(f, /● peer2\s+10\.77\.0\.2\s+ports 9021,9022,9023,9024\s+files …/);
    assert.match(f, /\* peer up: peer2 10\.77\.0\.2/);
    fake.set({ peers: [peerView('peer2', 2, 3), peerView('peer3', 3, 1)] });
    f = await frameWith(ui.lastFrame, '2 peers');
    assert.match(f, /peer2.*3 files/);
    assert.match(f, /peer3.*1 file\b/);
    fake.set({ peers: [peerView('peer3', 3, 1)] });
    fake.notice('info', 'peer down: peer2 (goodbye)');
    f = await frameWith(ui.lastFrame, 'peer down: peer2');
    assert.not.match(livePanel(f).join('\n'), /peer2/);
    assert.match(f, /1 peer\b/);
  } finally {
    ui.unmount();
  }
}));

test('a typed command runs on the command layer and its answer is printed', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write('list');
    await frameWith(ui.lastFrame, '› list');
    ui.stdin.write(KEY.enter);
    const f = await frameWith(ui.lastFrame, 'notes.txt');
    assert.equal(fake.runs, ['list']);
    assert.match(f, /› list\n1 file on the mesh\n\s+notes\.txt/);
  } finally {
    ui.unmount();
  }
}));

test('an error is one red line, never a stack trace', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write('frobnicate now');
    await frameWith(ui.lastFrame, '› frobnicate now');
    ui.stdin.write(KEY.enter);
    const f = await frameWith(ui.lastFrame, 'error:');
    const errLines = f.split('\n').filter((l) => l.includes('error:'));
    assert.equal(errLines, ["error: unknown command 'frobnicate' (type help)"]);
    assert.not.match(f, /at .*\.js:\d+/);
    const raw = ui.lastFrame()!;
    assert.ok(raw.includes("\u001b[31merror: unknown command 'frobnicate' (type help)"), 'printed in red');
  } finally {
    ui.unmount();
  }
}));

test('progress bars advance; several run at once while the prompt stays usable', withTimeout(5000, async () => {
  const fake = new FakeFacade({ fileNames: ['big.iso', 'small.txt'] });
  let finishBig!: (o: CommandOutput) => void;
  fake.answer = (line) => {
    if (line === 'download big.iso') return new Promise((resolve) => (finishBig = resolve));
    if (line === 'download small.txt') return new Promise(() => {});
    return Promise.resolve({ lines: [`ran ${line}`] });
  };
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write('download big.iso');
    await frameWith(ui.lastFrame, '› download big.iso');
    ui.stdin.write(KEY.enter);
    const MiB = 1024 * 1024;
    fake.set({ downloads: [downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 0, holders: 0, known: 2, note: 'connecting' })] });
    let f = await frameWith(ui.lastFrame, 'big.iso  ░');
    assert.match(f, /big\.iso\s+░+\s+0%\s+0 B\/64\.0 MiB\s+–\/s\s+ETA –\s+from 0 of 2 holders \(connecting\)/);

    // The prompt still takes commands while the download runs.
    ui.stdin.write('download small.txt');
    await frameWith(ui.lastFrame, '› download small.txt');
    ui.stdin.write(KEY.enter);
    await frameWhere(ui.lastFrame, () => fake.runs.length === 2, 'second command ran');
    fake.set({
      downloads: [
        downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 32 * MiB, rate: 8 * MiB, holders: 2, known: 2 }),
        downloadView({ key: 'b', name: 'small.txt', size: 1000, bytes: 250, rate: 100, holders: 1, known: 2 }),
      ],
    });
    f = await frameWith(ui.lastFrame, '50%');
    assert.match(f, /big\.iso\s+█+░+\s+50%\s+32\.0 MiB\/64\.0 MiB\s+8\.0 MiB\/s\s+ETA 0:04\s+from 2 holders/);
    assert.match(f, /small\.txt\s+█+░+\s+25%\s+250 B\/1000 B\s+100 B\/s\s+ETA 0:08\s+from 1 of 2 holders/);
    ui.stdin.write('peers');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'ran peers');

    fake.set({
      downloads: [
        downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 64 * MiB, rate: 8 * MiB, holders: 1, known: 1 }),
        downloadView({ key: 'b', name: 'small.txt', size: 1000, bytes: 250, phase: 'waiting' }),
      ],
    });
    f = await frameWith(ui.lastFrame, '100%');
    assert.match(f, /big\.iso\s+█+\s+100%/);
    assert.match(f, /small\.txt\s+[█░]+\s+25%\s+250 B\/1000 B\s+waiting for a holder/);

    // Finished: the bar leaves the live panel; a full bar and the summary are printed once above it.
    finishBig({ lines: ['downloading big.iso (64.0 MiB, 64 chunks) from 2 holders'] });
    await frameWith(ui.lastFrame, 'downloading big.iso (64.0 MiB');
    fake.set({ downloads: [fake.getState().downloads[1]!] });
    fake.notice('success', 'downloaded big.iso: 64.0 MiB in 8.00 s (8.0 MiB/s) → downloads/big.iso; from peer2 64.0 MiB (100%)', { name: 'big.iso', size: 64 * MiB });
    f = await frameWith(ui.lastFrame, 'downloaded big.iso');
    assert.match(f, /✓ big\.iso  █{20}  100%  64\.0 MiB\n  downloaded big\.iso: 64\.0 MiB in 8\.00 s/);
    assert.not.match(livePanel(f).join('\n'), /big\.iso/);
    assert.match(livePanel(f).join('\n'), /small\.txt/);
  } finally {
    ui.unmount();
  }
}));

test('history with up/down, tab completion of commands and file names', withTimeout(5000, async () => {
  const fake = new FakeFacade({ fileNames: ['report 2024.pdf', 'report-old.pdf', 'photo.jpg'] });
  fake.answer = async (line) => ({ lines: [`ok ${line}`] });
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write('dow');
    await frameWith(ui.lastFrame, '› dow');
    // `download` and `downloads` share the prefix: Tab stops at it and lists both, as a shell does;
    // a second Tab lists them again (and adds no space, since both still match).
    ui.stdin.write(KEY.tab);
    let f = await frameWith(ui.lastFrame, /› download\s*\n\s*download {2}downloads/);
    ui.stdin.write(KEY.tab);
    f = await frameWith(ui.lastFrame, /› download\s*\n\s*download {2}downloads/);
    assert.match(f, /^› download ?$/m, 'no space after an ambiguous completion (only the cursor cell)');
    ui.stdin.write(' ph');
    await frameWith(ui.lastFrame, '› download ph');
    ui.stdin.write(KEY.tab);
    await frameWith(ui.lastFrame, '› download photo.jpg');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'ok download photo.jpg');
    ui.stdin.write('where rep');
    await frameWith(ui.lastFrame, '› where rep');
    ui.stdin.write(KEY.tab);
    f = await frameWith(ui.lastFrame, '› where report');
    assert.match(f, /report 2024\.pdf\s+report-old\.pdf/, 'both candidates shown');
    ui.stdin.write(' ');
    ui.stdin.write(KEY.tab);
    await frameWith(ui.lastFrame, '› where report 2024.pdf');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'ok where report 2024.pdf');
    assert.equal(fake.runs, ['download photo.jpg', 'where report 2024.pdf']);

    ui.stdin.write(KEY.up);
    await frameWith(ui.lastFrame, '› where report 2024.pdf');
    ui.stdin.write(KEY.up);
    await frameWith(ui.lastFrame, '› download photo.jpg');
    ui.stdin.write(KEY.down);
    await frameWith(ui.lastFrame, '› where report 2024.pdf');
    ui.stdin.write(KEY.backspace);
    ui.stdin.write(KEY.backspace);
    ui.stdin.write(KEY.backspace);
    ui.stdin.write(KEY.backspace);
    await frameWith(ui.lastFrame, /› where report 2024\s*$/m);
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, /ok where report 2024$/m);
    assert.equal(fake.runs[2], 'where report 2024');

    // Fast typing arrives as one chunk with the Tab and Enter inside (as tmux send-keys does).
    ui.stdin.write('where pho\t\r');
    await frameWith(ui.lastFrame, 'ok where photo.jpg');
    assert.equal(fake.runs[3], 'where photo.jpg');
  } finally {
    ui.unmount();
  }
}));

test('editing keys inside one burst act where they were typed: Backspace, Ctrl+U, Ctrl+W', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    // One chunk, as a fast typist or a script sends it: l i s x Backspace t Enter.
    ui.stdin.write(`lisx${KEY.backspace}t${KEY.enter}`);
    await frameWith(ui.lastFrame, '› list');
    ui.stdin.write(`junk words\u0015peers x\u0017${KEY.backspace}\r`);
    await frameWith(ui.lastFrame, /› peers\n/);
    assert.equal(fake.runs, ['list', 'peers']);
  } finally {
    ui.unmount();
  }
}));

test('Ctrl+C leaves like exit: the peer is stopped (goodbye) and the UI says bye', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write(KEY.ctrlC);
    const f = await frameWith(ui.lastFrame, 'bye: left the mesh');
    assert.is(fake.stops, 1);
    assert.not.match(livePanel(f).join('\n'), /›/, 'the prompt is gone');
  } finally {
    ui.unmount();
  }
}));

test('leaving while downloads run asks first: n stays, y (or Ctrl+C again) leaves', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    fake.set({ downloads: [downloadView({ key: 'a', name: 'big.bin', size: 1000, bytes: 400 }), downloadView({ key: 'b', name: 'other.iso', size: 1000, bytes: 100 })] });
    await frameWith(ui.lastFrame, 'other.iso');
    ui.stdin.write('exit');
    await frameWith(ui.lastFrame, '› exit');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, '2 downloads running: they resume next time. Leave? y/n');
    ui.stdin.write('n');
    await frameWith(ui.lastFrame, 'staying on the mesh');
    assert.is(fake.stops, 0);
    ui.stdin.write(KEY.ctrlC);
    await frameWith(ui.lastFrame, /Leave\? y\/n[\s\S]*Leave\? y\/n/);
    ui.stdin.write(KEY.ctrlC);
    await frameWith(ui.lastFrame, 'bye: left the mesh');
    assert.is(fake.stops, 1);
  } finally {
    ui.unmount();
  }
}));

test('typing exit, or a signal from outside, leaves once', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} />);
  try {
    ui.stdin.write('exit');
    await frameWith(ui.lastFrame, '› exit');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'bye: left the mesh');
    assert.equal(fake.runs, ['exit']);
    assert.is(fake.stops, 1);
  } finally {
    ui.unmount();
  }
  const fake2 = new FakeFacade();
  const ac = new AbortController();
  const ui2 = render(<App facade={fake2} leaveSignal={ac.signal} />);
  try {
    await frameWith(ui2.lastFrame, 'peer1');
    ac.abort();
    ui2.stdin.write(KEY.ctrlC);
    await frameWith(ui2.lastFrame, 'bye: left the mesh');
    assert.is(fake2.stops, 1);
  } finally {
    ui2.unmount();
  }
}));

test('warnings and finished downloads from notices are printed once, in order', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    fake.notice('warning', 'peer3 sent a corrupt chunk 4 of big.iso: dropped from this download');
    fake.notice('success', 'downloaded big.iso');
    const f = await frameWith(ui.lastFrame, 'downloaded big.iso');
    assert.match(f, /! peer3 sent a corrupt chunk 4 of big\.iso: dropped from this download\n✓ downloaded big\.iso/);
    fake.set({ peers: [peerView('peer2', 2)] });
    const g = await frameWith(ui.lastFrame, '1 peer');
    assert.is(g.split('downloaded big.iso').length, 2, 'printed once');
  } finally {
    ui.unmount();
  }
}));

test('index mode: one header line with the index, its RFCs and mDNS; an empty list promises no peers', withTimeout(5000, async () => {
  const fake = new FakeFacade({ discovering: false, index: { server: '127.0.0.1:7734', state: 'connected', rfcs: 3 } });
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    let f = await frameWith(ui.lastFrame, 'peer1');
    const panel = livePanel(f);
    assert.match(panel[1]!, /lanmesh\s+peer1/);
    assert.is(panel[2], 'index 127.0.0.1:7734 · 3 RFCs · mDNS off');
    assert.not.match(f, /appear here by themselves/);
    assert.match(f, /mDNS is off: no peers are discovered; list asks the index/);
    fake.set({ index: { server: '127.0.0.1:7734', state: 'reconnecting', rfcs: 0 } });
    fake.notice('warning', 'index 127.0.0.1:7734: connection lost (reset); reconnecting');
    await frameWith(ui.lastFrame, 'index 127.0.0.1:7734 (reconnecting) · 0 RFCs · mDNS off');
    // The notice and the header change are two updates: they may land in different frames.
    f = await frameWith(ui.lastFrame, '! index 127.0.0.1:7734: connection lost');
    assert.match(f, /index 127\.0\.0\.1:7734 \(reconnecting\) · 0 RFCs · mDNS off/);
  } finally {
    ui.unmount();
  }
  const plainMesh = new FakeFacade();
  const ui2 = render(<App facade={plainMesh} />);
  try {
    const f = await frameWith(ui2.lastFrame, 'peer1');
    assert.not.match(f, /^index /m, 'no index line without --index');
    assert.match(f, /no other peers yet: they appear here by themselves/);
  } finally {
    ui2.unmount();
  }
}));

test('answers that come back out of order are each printed under their own command line', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  let answerSlow!: (o: CommandOutput) => void;
  fake.answer = (line) => {
    if (line === 'where slow.bin') return new Promise((resolve) => (answerSlow = resolve));
    return Promise.resolve({ lines: [`answer to ${line}`] });
  };
  const ui = render(<App facade={fake} />);
  try {
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write('where slow.bin');
    ui.stdin.write(KEY.enter);
    // While it waits, the command shows under the prompt, not in the output.
    let f = await frameWith(ui.lastFrame, '… where slow.bin');
    assert.not.match(f, /› where slow\.bin\n/);
    ui.stdin.write('peers');
    ui.stdin.write(KEY.enter);
    f = await frameWith(ui.lastFrame, 'answer to peers');
    assert.match(f, /› peers\nanswer to peers/);
    answerSlow({ lines: ['slow.bin  1 holder'] });
    f = await frameWith(ui.lastFrame, 'slow.bin  1 holder');
    assert.match(f, /› peers\nanswer to peers\n› where slow\.bin\nslow\.bin {2}1 holder/);
    assert.not.match(f, /… where slow\.bin/, 'no longer shown as running');
  } finally {
    ui.unmount();
  }
}));

test('a progress bar keeps its width while rate, ETA and holders change', withTimeout(5000, async () => {
  const MiB = 1024 * 1024;
  const updates = [
    downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 0, rate: 0, holders: 0, known: 2, note: 'connecting' }),
    downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 900 * 1024, rate: 950 * 1024, holders: 1, known: 2 }),
    downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 9 * MiB, rate: 12 * MiB, holders: 2, known: 2 }),
    downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 10 * MiB, rate: 300, holders: 2, known: 2 }),
    downloadView({ key: 'a', name: 'big.iso', size: 64 * MiB, bytes: 11 * MiB, rate: 0, holders: 0, known: 0, phase: 'waiting' }),
  ];
  const fake = new FakeFacade({ downloads: [updates[0]!] });
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    const widths: number[] = [];
    for (const [i, d] of updates.entries()) {
      fake.set({ downloads: [d] });
      const pct = `${Math.floor((d.bytes / d.size) * 100)}%`;
      const f = await frameWhere(ui.lastFrame, (t) => new RegExp(`big\\.iso\\s+[█░]+\\s+${pct}`).test(t) && (i === 0 || !/connecting/.test(t)), `update ${i}`);
      const line = livePanel(f).find((l) => l.includes('big.iso'))!;
      widths.push(/[█░]+/.exec(line)![0].length);
      assert.ok([...line].length <= 100, line);
    }
    assert.equal(new Set(widths).size, 1, `bar widths ${widths.join(', ')}`);
  } finally {
    ui.unmount();
  }
}));

test('a notice quoting remote text with ESC and newlines is one printable line (issue 15 item 10)', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    await frameWith(ui.lastFrame, '0 peers');
    fake.notice('warning', 'remote replied NOT_FOUND: no\n\n* downloaded evil.txt\u001b[2J\u001b]0;owned\u0007');
    const f = await frameWith(ui.lastFrame, 'remote replied');
    assert.not.ok(ui.lastFrame()!.includes('\u001b[2J'), 'no screen clear reaches the terminal');
    assert.not.ok(ui.lastFrame()!.includes('\u001b]0;'), 'no title escape reaches the terminal');
    assert.match(f, /no\uFFFD\uFFFD\* downloaded evil\.txt\uFFFD\[2J/);
    assert.not.match(f, /^\* downloaded evil/m);
  } finally {
    ui.unmount();
  }
}));

test.run();
