// Progress text: bars, percentages (never 100 % early), ETAs and rates; names cut to fit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bar, etaSeconds, fit, formatEta, formatRate, percent } from '../../src/ui/format-transfer.js';

test('bars and percentages', () => {
  assert.is(bar(0, 4), '░░░░');
  assert.is(bar(0.5, 4), '██░░');
  assert.is(bar(1, 4), '████');
  assert.is(bar(7, 2), '██');
  assert.is(percent(1000, 999), 99, 'floored: 100 only when complete');
  assert.is(percent(1000, 1000), 100);
  assert.is(percent(0, 0), 100, 'an empty file is complete');
});

test('ETA and rate', () => {
  assert.is(formatEta(etaSeconds(1000, 500, 100)), '0:05');
  assert.is(formatEta(etaSeconds(1000, 500, 0)), '–');
  assert.is(formatEta(3725), '1:02:05');
  assert.is(formatEta(61.2), '1:02');
  assert.is(formatRate(0), '–/s');
  assert.is(formatRate(1536), '1.5 KiB/s');
});

test('fit cuts with an ellipsis', () => {
  assert.is(fit('short', 10), 'short');
  assert.is(fit('a-long-file-name.iso', 8), 'a-long-…');
  assert.is(fit('ééééé', 3), 'éé…');
});

test.run();
