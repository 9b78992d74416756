// Plain-text lines for pushes (start, per-recipient rows, changes, the end summary), shared by line
// mode and the terminal UI. Pure functions of the push service's reports.
import type { PushRow, PushStart, PushSummary } from '../push/push-service.js';
import { formatBytes, formatDuration, formatRate, plural } from './text.js';

export function formatPushStart(s: PushStart): string {
  return `distributing ${s.name} (${formatBytes(s.size)}) to ${plural(s.recipients.length, 'peer')}: ${s.recipients.join(', ')}`;
}

const percent = (r: PushRow) => (r.total === 0 ? 100 : Math.floor((r.chunks / r.total) * 100));

/** One recipient's row: percent, rate, chunks from the origin and from the other recipients. */
export function formatPushRow(r: PushRow): string {
  if (r.state === 'held') return `${r.name} already here (serves it)`;
  if (r.state === 'refused' || r.state === 'gone') return `${r.name} ${r.state}${r.reason ? `: ${r.reason}` : ''}`;
  const rate = r.state === 'receiving' ? ` ${formatRate(r.rate)}` : '';
  return `${r.name} ${percent(r)}% ${r.chunks}/${r.total}${rate} (origin ${r.fromOrigin}, peers ${r.fromPeers})${r.state === 'done' ? ' done' : ''}`;
}

export function formatPushProgress(p: { name: string; rows: PushRow[] }): string {
  return `push ${p.name}: ${p.rows.map(formatPushRow).join('; ')}`;
}

/** A recipient changed state; undefined for changes not worth a line. */
export function formatPushRecipient(p: { name: string; row: PushRow }): string | undefined {
  const r = p.row;
  switch (r.state) {
    case 'receiving':
      return `push ${p.name}: ${r.name} accepted`;
    case 'held':
      return `push ${p.name}: ${r.name} has it already here; it serves the others`;
    case 'refused':
      return `push ${p.name}: ${r.name} refused: ${r.reason ?? 'no reason given'}`;
    case 'gone':
      return `push ${p.name}: ${r.name} gone: ${r.reason ?? 'it left'}`;
    case 'done':
      return `push ${p.name}: ${r.name} done (origin ${r.fromOrigin}, peers ${r.fromPeers} chunks)`;
    default:
      return undefined;
  }
}

export function formatPushCovered(p: { name: string }): string {
  return `push ${p.name}: every chunk has reached a recipient; the recipients finish from each other`;
}

/** The end: recipients done / held / refused / gone, time, and the origin's upload against the file. */
export function formatPushDone(s: PushSummary): string {
  const count = (st: PushRow['state']) => s.rows.filter((r) => r.state === st).length;
  const ratio = s.size > 0 ? s.originBytes / s.size : 0;
  const held = count('held') > 0 ? `, ${count('held')} had it` : '';
  const late = s.late?.length ? `; joined later, not included: ${s.late.join(', ')}` : '';
  return (
    `distributed ${s.name}: ${count('done')} done${held}, ${count('refused')} refused, ${count('gone')} gone in ${formatDuration(s.ms)}; ` +
    `origin sent ${ratio.toFixed(2)}x the file (${formatBytes(s.originBytes)} of ${formatBytes(s.size)})` +
    (s.redealt > 0 ? `, ${s.redealt} chunks re-dealt` : '') +
    late
  );
}
