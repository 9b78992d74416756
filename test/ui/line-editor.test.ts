// The pure line editor: insertion at the cursor, deletion, word/line kills and history browsing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ed from '../../src/ui/line-editor.js';

const typed = (text: string, s = ed.emptyEditor()) => ed.insert(s, text);

test('insert and delete at the cursor; control characters are dropped', () => {
  let s = typed('dwnload');
  s = ed.insert(ed.left(ed.left(ed.left(ed.left(ed.left(ed.left(s)))))), 'o');
  assert.is(s.text, 'download');
  assert.is(s.cursor, 2);
  s = ed.backspace(ed.end(s));
  assert.is(s.text, 'downloa');
  s = ed.deleteForward(ed.home(s));
  assert.is(s.text, 'ownloa');
  assert.equal(ed.backspace(ed.home(s)), ed.home(s), 'backspace at the start changes nothing');
  assert.is(typed('a\u0007b\u001b[c').text, 'ab[c');
  assert.is(ed.right(ed.end(s)).cursor, s.text.length, 'the cursor stays inside the text');
});

test('Ctrl+U and Ctrl+W', () => {
  const s = typed('download report 2024.pdf');
  assert.is(ed.killWord(s).text, 'download report ');
  assert.is(ed.killWord(ed.killWord(s)).text, 'download ');
  const mid = ed.left(ed.left(ed.left(ed.left(s))));
  assert.equal([ed.killToStart(mid).text, ed.killToStart(mid).cursor], ['.pdf', 0]);
});

test('history: up/down browse, the draft comes back, blanks and repeats are not kept', () => {
  let s = ed.emptyEditor();
  for (const line of ['list', 'list', '   ', 'peers']) s = ed.submit(typed(line, s)).state;
  assert.equal(s.history, ['list', 'peers']);
  s = typed('dra', s);
  s = ed.historyPrev(s);
  assert.is(s.text, 'peers');
  s = ed.historyPrev(s);
  assert.is(s.text, 'list');
  assert.is(ed.historyPrev(s).text, 'list', 'stops at the oldest');
  s = ed.historyNext(ed.historyNext(s));
  assert.equal([s.text, s.cursor], ['dra', 3]);
  const { line, state } = ed.submit(ed.historyPrev(s));
  assert.is(line, 'peers');
  assert.equal(state.history, ['list', 'peers']);
  assert.is(state.text, '');
});

test.run();
