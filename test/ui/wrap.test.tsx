// Long error and warning lines wrap at spaces, never inside a word (issue 14, item 7): on a 40-column
// screen every printed piece fits, no piece starts with the break space, and the pieces (less the
// continuation indent) joined by spaces give back the whole line.
import './support/force-color.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import { withTimeout } from '../support/with-timeout.js';
import { FakeFacade } from './support/fake-facade.js';
import { KEY, frameWith, resize } from './support/frames.js';

const ERROR = 'download lab-results-2026.csv failed: the holder peer2 stopped answering after three attempts in a row';
const WARNING = 'upload to 10.77.0.3:9001 closed: chunk 12 not taken in 20000 ms by the requester';

/** The printed lines from the one starting with `start` up to the one ending the text. */
function piecesOf(frame: string, start: string, text: string): string[] {
  const lines = frame.split('\n').map((l) => l.trimEnd());
  const from = lines.findIndex((l) => l.startsWith(start));
  assert.ok(from >= 0, `no line starts with ${start}:\n${frame}`);
  const out: string[] = [];
  for (let i = from; i < lines.length && out.join(' ').length < text.length; i++) out.push(i === from ? lines[i]! : lines[i]!.replace(/^  /, ''));
  return out;
}

test('error and warning lines wrap at spaces on a narrow screen', withTimeout(5000, async () => {
  const fake = new FakeFacade();
  fake.answer = async () => {
    throw new Error(ERROR);
  };
  const ui = render(<App facade={fake} throttleMs={0} />);
  try {
    resize(ui.stdout, 40, 30);
    await frameWith(ui.lastFrame, 'peer1');
    ui.stdin.write('download x');
    ui.stdin.write(KEY.enter);
    fake.notice('warning', WARNING);
    const frame = await frameWith(ui.lastFrame, /requester$/m);
    for (const [start, text] of [['error: download', `error: ${ERROR}`], ['! upload to', `! ${WARNING}`]] as const) {
      const pieces = piecesOf(frame, start, text);
      assert.ok(pieces.length > 1, `wrapped: ${pieces.join(' | ')}`);
      for (const p of pieces) {
        assert.ok(p.length <= 38, `fits 40 columns with the indent: '${p}'`);
        assert.not.match(p, /^ /, `no piece starts with the break space: '${p}'`);
      }
      assert.is(pieces.join(' '), text, `cut at spaces only:\n${pieces.join('\n')}`);
    }
  } finally {
    ui.unmount();
  }
}));

test.run();
