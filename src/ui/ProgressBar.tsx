// One download's progress: bar, percent, bytes, rate, ETA and the holders in use. One line when it
// fits, two on narrow terminals; never wider than `width`, so the live panel never wraps.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { DownloadView } from './use-peer-state.js';
import { formatBytes } from '../session/text.js';
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
  return { stats: `${pct}  ${bytes}  ${formatRate(d.rate)}  ${eta}`, who: whoText(d.holders, d.known, d.note) };
}

function whoText(holders: number, known: number, note: string | undefined): string {
  const of = known > holders ? ` of ${known}` : '';
  const who = `from ${holders}${of} holder${(known > holders ? known : holders) === 1 ? '' : 's'}`;
  return note ? `${who} (${note})` : who;
}

/** The longest "done/size" text this download can show: counts below its size can take more columns. */
function maxBytesText(size: number): number {
  const total = formatBytes(size).length;
  const below = size >= 1024 * 1024 ? '1023.9 KiB'.length : size >= 1024 ? '1023 B'.length : 0;
  return Math.max(total, below) + 1 + total;
}

/** "1023.9 MiB/s", "ETA 9:59:59": the widest rate and ETA the bar makes room for. */
const MAX_RATE = 12;
const MAX_ETA = 11;

/**
 * The widest stats and holder texts this download can show, so the bar's width does not follow every
 * update (the rate, ETA and holder count change all the time; the bar must not).
 */
function widest(d: DownloadView): { stats: number; who: number } {
  const stats = 4 + 2 + maxBytesText(d.size) + 2 + MAX_RATE + 2 + MAX_ETA;
  const n = Math.max(d.known, d.holders, 2);
  return { stats, who: Math.max('waiting for a holder'.length, whoText(n - 1, n, 'connecting').length) };
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
  const most = widest(d);
  const fixed = 2 + [...name].length + 2 + 2 + most.stats + 2;
  if (width - fixed - MIN_WHO < MIN_BAR) return { name, stats, who, oneLineBar: undefined };
  const room = width - fixed;
  const wanted = Math.max(Math.min(PREFERRED_BAR, room - MIN_WHO), room - most.who);
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
