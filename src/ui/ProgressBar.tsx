// One download's progress: bar, percent, bytes, rate, ETA and the holders in use. One line when it
// fits, two on narrow terminals; never wider than `width`, so the live panel never wraps.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { DownloadView } from './use-peer-state.js';
import { formatBytes } from '../cli/format.js';
import { bar, etaSeconds, fit, formatEta, formatRate, fraction, percent } from './format-transfer.js';

export interface ProgressBarProps {
  download: DownloadView;
  width: number;
  /** Column for the name, shared by every bar so they line up (default: this name's length). */
  nameWidth?: number;
  /** Bar width shared by every one-line bar (default: as wide as this line allows). */
  barWidth?: number;
}

const MIN_BAR = 10;
const MAX_BAR = 40;
const MAX_NAME = 40;
/** The bar takes this many columns, when it can, before holder names get the rest. */
const PREFERRED_BAR = 20;
/** Holder names may be cut to this many columns before the bar moves its details to a second line. */
const MIN_WHO = 20;

function detailText(d: DownloadView): { stats: string; who: string } {
  const pct = `${String(percent(d.size, d.bytes)).padStart(3)}%`;
  const bytes = `${formatBytes(d.bytes)}/${formatBytes(d.size)}`;
  if (d.phase === 'waiting') return { stats: `${pct}  ${bytes}`, who: 'waiting for a holder' };
  const eta = `ETA ${formatEta(etaSeconds(d.size, d.bytes, d.rate))}`;
  const of = d.known > d.holders ? ` of ${d.known}` : '';
  const who = `from ${d.holders}${of} holder${(d.known > d.holders ? d.known : d.holders) === 1 ? '' : 's'}`;
  return { stats: `${pct}  ${bytes}  ${formatRate(d.rate)}  ${eta}`, who: d.note ? `${who} (${d.note})` : who };
}

interface Layout {
  name: string;
  stats: string;
  who: string;
  /** Bar width on one line, or undefined when the details need a second line. */
  oneLineBar: number | undefined;
}

/** The name column for these downloads at this width. */
export function nameColumn(downloads: readonly DownloadView[], width: number): number {
  const longest = Math.max(1, ...downloads.map((d) => [...d.name].length));
  return Math.min(longest, MAX_NAME, Math.max(8, Math.floor(width / 3)));
}

function layout(d: DownloadView, width: number, nameWidth = nameColumn([d], width)): Layout {
  const cut = fit(d.name, nameWidth);
  const name = cut + ' '.repeat(Math.max(0, nameWidth - [...cut].length));
  const { stats, who } = detailText(d);
  const fixed = 2 + [...name].length + 2 + 2 + stats.length + 2;
  const whoLen = [...who].length;
  if (width - fixed - Math.min(whoLen, MIN_WHO) < MIN_BAR) return { name, stats, who, oneLineBar: undefined };
  const room = width - fixed;
  const wanted = Math.max(Math.min(PREFERRED_BAR, room - MIN_WHO), room - whoLen);
  return { name, stats, who, oneLineBar: Math.max(MIN_BAR, Math.min(MAX_BAR, wanted)) };
}

export const ProgressBar = memo(function ProgressBar({ download: d, width, nameWidth, barWidth }: ProgressBarProps) {
  const { name, stats, who, oneLineBar: own } = layout(d, width, nameWidth);
  const oneLineBar = own === undefined || barWidth === undefined ? own : Math.min(own, barWidth);
  const color = d.phase === 'waiting' ? 'yellow' : 'cyan';
  if (oneLineBar !== undefined) {
    return (
      <Text wrap="truncate-end">
        {`  ${name}  `}
        <Text color={color}>{bar(fraction(d.size, d.bytes), oneLineBar)}</Text>
        {`  ${stats}  `}
        <Text dimColor={d.phase !== 'waiting'} color={d.phase === 'waiting' ? 'yellow' : undefined}>{fit(who, width - 2 - [...name].length - 2 - oneLineBar - 2 - stats.length - 2)}</Text>
      </Text>
    );
  }
  const pct = `${String(percent(d.size, d.bytes)).padStart(3)}%`;
  const twoLineBar = Math.max(1, Math.min(MAX_BAR, width - (2 + [...name].length + 2 + 2 + pct.length)));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {`  ${name}  `}
        <Text color={color}>{bar(fraction(d.size, d.bytes), twoLineBar)}</Text>
        {`  ${pct}`}
      </Text>
      <Text dimColor wrap="truncate-end">{`    ${stats.slice(pct.length).trim()}  ${who}`}</Text>
    </Box>
  );
});

/** The narrowest one-line bar among these downloads, so every bar can share it. */
export function barColumn(downloads: readonly DownloadView[], width: number, nameWidth: number): number | undefined {
  const widths = downloads.map((d) => layout(d, width, nameWidth).oneLineBar).filter((w): w is number => w !== undefined);
  return widths.length ? Math.min(...widths) : undefined;
}

/** How many terminal rows a bar takes at this width (the panel budgets its height with it). */
export function progressBarRows(d: DownloadView, width: number, nameWidth?: number): number {
  return layout(d, width, nameWidth).oneLineBar === undefined ? 2 : 1;
}
