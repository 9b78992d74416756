// The pure burst replay: every key of a chunk acts in order on the line editor.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayBurst } from '../../src/ui/key-burst.js';
import { emptyEditor } from '../../src/ui/line-editor.js';

const noCompletion = (text: string, cursor: number) => ({ text, cursor, candidates: [] });

test('Backspace, Ctrl+U, Ctrl+W, Ctrl+A/E/K and Enter in one chunk, in order', () => {
  const r = replayBurst(emptyEditor(), 'lisx\x7ft\rjunk\x15pe\x08eers\r', noCompletion);
  assert.equal(r.submitted, ['list', 'peers']);
  assert.is(r.state.text, '');
  const w = replayBurst(emptyEditor(), 'download big one\x17\x17notes\x01x\x05!\x01\x0b', noCompletion);
  assert.is(w.state.text, '');
  const k = replayBurst(emptyEditor(), 'abc\x01\x0bz\x05y', noCompletion);
  assert.is(k.state.text, 'zy');
  assert.is(k.state.cursor, 2);
});

test('Tab completes mid-burst; Ctrl+L asks for a clear; other control bytes are dropped', () => {
  const complete = (text: string) => ({ text: text === 'li' ? 'list ' : text, cursor: text === 'li' ? 5 : text.length, candidates: text === 'd' ? ['download', 'downloads'] : [] });
  const r = replayBurst(emptyEditor(), 'li\t\r', complete);
  assert.equal(r.submitted, ['list ']);
  const h = replayBurst(emptyEditor(), 'd\t', complete);
  assert.is(h.hint, 'download  downloads');
  const c = replayBurst(emptyEditor(), 'a\x0c\x02b', noCompletion);
  assert.ok(c.clear);
  assert.is(c.state.text, 'ab');
});

test.run();
