// The one-shot status line: drawn in place on a terminal, throttled, erased before the answer, and
// never drawn when stderr is not a terminal or with --json.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { statusLine } from '../../src/cli/stderr-progress.js';
import { waitFor } from '../support/with-timeout.js';

function terminal(isTTY: boolean, columns = 40): Writable & { isTTY: boolean; columns: number; text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY: boolean; columns: number; text: string };
  w.isTTY = isTTY;
  w.columns = columns;
  w.text = '';
  return w;
}

test('on a terminal: one line redrawn in place, cut to the width, erased by clear', async () => {
  const t = terminal(true, 30);
  const s = statusLine(t, true);
  s.show('waiting for a peer holding x');
  assert.is(t.text, '\r\u001b[Kwaiting for a peer holding x');
  s.show('download big.bin: 41.0% 10.0 MiB/24.0 MiB 3.7 MiB/s');
  s.show('download big.bin: 42.0% 10.1 MiB/24.0 MiB 3.7 MiB/s');
  // Throttled: the last of a burst is drawn once the 100 ms pass.
  await waitFor(() => (t.text.includes('42.0%') ? true : undefined), { timeoutMs: 1000, intervalMs: 10, what: 'the redraw' });
  assert.not.ok(t.text.includes('41.0%'), 'an update overtaken within 100 ms is never drawn');
  const last = t.text.split('\r\u001b[K').pop()!;
  assert.ok([...last].length <= 29, `cut to the width: '${last}'`);
  s.clear();
  assert.ok(t.text.endsWith('\r\u001b[K'));
});

test('not a terminal, or disabled (--json): nothing is written', () => {
  const pipe = terminal(false);
  statusLine(pipe, true).show('x');
  const json = terminal(true);
  const s = statusLine(json, false);
  s.show('x');
  s.clear();
  assert.is(pipe.text + json.text, '');
});

test.run();
