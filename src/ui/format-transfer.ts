// Pure text for progress: bars, percentages, rates and ETAs, sized to a given width.
import { formatBytes } from '../session/text.js';

export function formatRate(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatBytes(Math.round(bytesPerSec))}/s` : '–/s';
}

/** "0:07", "12:30", "1:02:03"; "–" while unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function etaSeconds(size: number, bytes: number, rate: number): number | undefined {
  if (bytes >= size) return 0;
  return rate > 0 ? (size - bytes) / rate : undefined;
}

/** 0..1; an empty file counts as complete. */
export const fraction = (size: number, bytes: number): number => (size <= 0 ? 1 : Math.min(1, Math.max(0, bytes / size)));

/** Whole percent, floored so 100 % only shows when every byte is there. */
export const percent = (size: number, bytes: number): number => Math.floor(fraction(size, bytes) * 100);

export function bar(frac: number, width: number): string {
  const w = Math.max(1, Math.floor(width));
  const filled = Math.round(Math.min(1, Math.max(0, frac)) * w);
  return '█'.repeat(filled) + '░'.repeat(w - filled);
}

/** Cuts `s` to `width` columns with an ellipsis (names are treated one column per code point). */
export function fit(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  if (width <= 1) return chars.slice(0, Math.max(0, width)).join('');
  return chars.slice(0, width - 1).join('') + '…';
}
