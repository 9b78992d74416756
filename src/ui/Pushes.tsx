// The pushes this peer originates, live, as a matrix (recipient × progress × source; laid out by
// push-matrix.ts): one row per recipient while they fit, else a grid of cells, else the grid cut.
// Its height depends only on the recipients and the room, so progress updates redraw in place.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { PushView } from './use-peer-state.js';
import { fullRows, layoutPush, type Row, type Seg } from './push-matrix.js';

export interface PushesProps {
  pushes: readonly PushView[];
  width: number;
  maxRows: number;
}

/** Rows every push takes at full length. */
export function pushesRows(pushes: readonly PushView[]): number {
  return pushes.reduce((n, p) => n + fullRows(p.cells), 0);
}

/** Splits `maxRows` between the pushes: all they want if it fits, else a fair part each (at least the title). */
export function pushLayout(pushes: readonly PushView[], width: number, maxRows: number): Row[] {
  const want = pushesRows(pushes);
  const rows: Row[] = [];
  let left = maxRows;
  pushes.forEach((p, i) => {
    const room = want <= maxRows ? fullRows(p.cells) : Math.max(1, Math.floor(left / (pushes.length - i)));
    const part = layoutPush(p.title, p.cells, width, Math.min(room, left));
    rows.push(...part);
    left -= part.length;
  });
  return rows;
}

const TONES: Record<NonNullable<Seg['tone']>, { color?: string; dimColor?: boolean }> = {
  origin: { color: 'cyan' },
  peers: { color: 'green' },
  rest: { dimColor: true },
  bad: { color: 'red' },
  dim: { dimColor: true },
  good: { color: 'green' },
};

export const Pushes = memo(function Pushes({ pushes, width, maxRows }: PushesProps) {
  if (pushes.length === 0 || maxRows <= 0) return null;
  const rows = pushLayout(pushes, width, maxRows);
  return (
    <Box flexDirection="column" width={width}>
      {rows.map((row, i) => (
        <Text key={i} wrap="truncate-end">
          {row.map((s, j) => (s.tone ? <Text key={j} {...TONES[s.tone]}>{s.text}</Text> : s.text))}
        </Text>
      ))}
    </Box>
  );
});
