// What this peer is sending right now: one row per requester and file (worded by session/text.ts).
// Rows past maxRows become "… and N more".
import { memo } from 'react';
import { Box, Text } from 'ink';

export interface UploadsProps {
  rows: readonly string[];
  width: number;
  maxRows: number;
}

export const Uploads = memo(function Uploads({ rows, width, maxRows }: UploadsProps) {
  if (rows.length === 0 || maxRows <= 0) return null;
  const room = rows.length <= maxRows ? rows.length : Math.max(0, maxRows - 1);
  const hidden = rows.length - room;
  return (
    <Box flexDirection="column" width={width}>
      {rows.slice(0, room).map((l, i) => (
        <Text key={i} dimColor wrap="truncate-end">{l}</Text>
      ))}
      {hidden > 0 ? <Text dimColor wrap="truncate-end">{`  … and ${hidden} more upload${hidden === 1 ? '' : 's'}`}</Text> : null}
    </Box>
  );
});
