// The y/n answers of `--accept ask`: a typed line (line mode) and keys read at once (terminal UI).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyAnswer, yesNo } from '../../src/session/push-questions.js';

test('yesNo takes y/yes/n/no in any case and nothing else', () => {
  for (const w of ['y', 'Y', 'yes', ' YES ']) assert.is(yesNo(w), true, w);
  for (const w of ['n', 'N', 'no', 'No']) assert.is(yesNo(w), false, w);
  for (const w of ['', 'x', 'yep', 'nope', 'yn', 'ok']) assert.is(yesNo(w), undefined, w);
});

test('keyAnswer: the first y or n among keys that arrived together', () => {
  assert.is(keyAnswer('y'), true);
  assert.is(keyAnswer('N'), false);
  assert.is(keyAnswer('xy'), true, 'a stray key before y');
  assert.is(keyAnswer('zzn'), false);
  assert.is(keyAnswer('no'), false, '"no" typed fast is n');
  assert.is(keyAnswer('ny'), false, 'the first answer wins');
  assert.is(keyAnswer('abc'), undefined);
  assert.is(keyAnswer(''), undefined);
  assert.is(keyAnswer('\r'), undefined, 'Enter alone answers nothing');
});

test.run();
