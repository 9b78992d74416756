// The running downloads, each with its own bar; finished ones leave this list (their summary is
// printed once, above, in <Static>).
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { DownloadView } from './use-peer-state.js';
import { ProgressBar, barColumn, nameColumn, progressBarRows } from './ProgressBar.js';

export interface TransfersProps {
  downloads: readonly DownloadView[];
  width: number;
  /** Rows available; downloads past it are summarised in one line. */
  maxRows: number;
}

/** The downloads that fit in `maxRows` (keeping one row for the summary when some do not). */
export function visibleDownloads(downloads: readonly DownloadView[], width: number, maxRows: number): DownloadView[] {
  const total = transfersRows(downloads, width);
  if (total <= maxRows) return [...downloads];
  const out: DownloadView[] = [];
  let used = 1;
  for (const d of downloads) {
    const rows = progressBarRows(d, width, nameColumn(downloads, width));
    if (used + rows > maxRows) break;
    out.push(d);
    used += rows;
  }
  return out;
}

/** Rows every bar takes together at this width. */
export function transfersRows(downloads: readonly DownloadView[], width: number): number {
  const nameWidth = nameColumn(downloads, width);
  return downloads.reduce((n, d) => n + progressBarRows(d, width, nameWidth), 0);
}

export const Transfers = memo(function Transfers({ downloads, width, maxRows }: TransfersProps) {
  if (downloads.length === 0) return null;
  const shown = visibleDownloads(downloads, width, maxRows);
  const hidden = downloads.length - shown.length;
  const nameWidth = nameColumn(downloads, width);
  const barWidth = barColumn(shown, width, nameWidth);
  return (
    <Box flexDirection="column">
      {shown.map((d) => (
        <ProgressBar key={d.key} download={d} width={width} nameWidth={nameWidth} barWidth={barWidth} />
      ))}
      {hidden > 0 ? <Text dimColor wrap="truncate-end">{`  … and ${hidden} more download${hidden === 1 ? '' : 's'}`}</Text> : null}
    </Box>
  );
});
