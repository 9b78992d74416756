// The push matrix layout (pure): the bar's parts by source, rows per recipient while they fit, a grid
// of cells otherwise, the cut with its count, and a height that depends on the room, not the progress.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layoutPush, rowText, type PushCell } from '../../src/ui/push-matrix.js';

const cell = (name: string, over: Partial<PushCell> = {}): PushCell => ({ name, state: 'receiving', chunks: 0, total: 100, fromOrigin: 0, fromPeers: 0, rate: 0, ...over });

test('the bar shows what came from the origin, then from the peers, then what is missing', () => {
  const [, row] = layoutPush('push x', [cell('a', { chunks: 75, fromOrigin: 50, fromPeers: 25 })], 100, 5);
  const tones = row!.filter((s) => s.tone === 'origin' || s.tone === 'peers' || s.tone === 'rest').map((s) => [s.tone, s.text.length]);
  assert.equal(tones, [['origin', 10], ['peers', 5], ['rest', 5]]);
  assert.match(rowText(row!), / 75%/);
});

test('rows while they fit, a grid when not, cut with a count when even the grid does not fit', () => {
  const cells = Array.from({ length: 30 }, (_, i) => cell(`p${i}`, { chunks: i }));
  assert.is(layoutPush('t', cells, 120, 31).length, 31);
  const grid = layoutPush('t', cells, 120, 12);
  assert.is(grid.length, 1 + Math.ceil(30 / 4), '4 cells of 27 columns in 118');
  for (const c of cells) assert.ok(grid.some((r) => rowText(r).includes(`${c.name} `)), c.name);
  const cut = layoutPush('t', cells, 120, 4);
  assert.is(cut.length, 4);
  assert.match(rowText(cut[3]!), '… and 22 more recipients');
  assert.equal(layoutPush('t', cells, 120, 1).map(rowText), ['t · 0/30 done  █ origin ▓ peers']);
  const later = cells.map((c, i) => ({ ...c, chunks: 100, state: i % 2 ? 'done' as const : 'gone' as const }));
  for (const rows of [31, 12, 4]) assert.is(layoutPush('t', later, 120, rows).length, layoutPush('t', cells, 120, rows).length, `${rows} rows`);
});

test.run();
