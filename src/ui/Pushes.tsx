// The pushes this peer originates, live: a title line and one row per recipient (percent, rate,
// chunks from the origin and from the other recipients). Rows past maxRows become "… and N more".
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { PushView } from './use-peer-state.js';

export interface PushesProps {
  pushes: readonly PushView[];
  width: number;
  maxRows: number;
}

/** Rows every push takes at full length. */
export function pushesRows(pushes: readonly PushView[]): number {
  return pushes.reduce((n, p) => n + 1 + p.rows.length, 0);
}

export const Pushes = memo(function Pushes({ pushes, width, maxRows }: PushesProps) {
  if (pushes.length === 0 || maxRows <= 0) return null;
  const lines: string[] = [];
  const all = pushes.flatMap((p) => [p.title, ...p.rows.map((r) => `  ${r}`)]);
  const room = all.length <= maxRows ? all.length : Math.max(0, maxRows - 1);
  lines.push(...all.slice(0, room));
  const hidden = all.length - room;
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">{l}</Text>
      ))}
      {hidden > 0 ? <Text dimColor wrap="truncate-end">{`  … and ${hidden} more push row${hidden === 1 ? '' : 's'}`}</Text> : null}
    </Box>
  );
});
