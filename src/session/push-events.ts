// push:* events of a Peer → session lines (line mode and the UI alike). Progress rows come every
// second from the push; a session prints them at most every PROGRESS_EVERY_MS so line mode stays readable.
import type { PushStart, PushSummary, PushRow } from '../push/push-service.js';
import { formatPushCovered, formatPushDone, formatPushProgress, formatPushRecipient, formatPushRow, formatPushStart } from './push-format.js';

const PROGRESS_EVERY_MS = 2000;

type On = <A extends unknown[]>(event: string, fn: (...args: A) => void) => void;

/** Where the lines go (a SessionSink's line()). */
type Line = (l: { level: 'info' | 'success'; text: string }) => void;

/** Live rows for a front end that draws them (the UI); same shape as session-events' PushUpdate. */
type Rows = (u: { type: 'rows'; id: string; name: string; rows: PushRow[] } | { type: 'end'; id: string }) => void;

export function attachPushEvents(on: On, line: Line, rows?: Rows): void {
  const sink = { line };
  const info = (text: string) => sink.line({ level: 'info', text });
  const lastShown = new Map<string, number>();
  on('push:start', (s: PushStart) => info(formatPushStart(s)));
  on('push:progress', (p: { id: string; name: string; rows: PushRow[] }) => {
    rows?.({ type: 'rows', ...p });
    const now = Date.now();
    if (now - (lastShown.get(p.id) ?? 0) < PROGRESS_EVERY_MS) return;
    lastShown.set(p.id, now);
    info(formatPushProgress(p));
  });
  on('push:recipient', (p: { name: string; row: PushRow }) => {
    const line = formatPushRecipient(p);
    if (line) info(line);
  });
  on('push:covered', (p: { name: string }) => info(formatPushCovered(p)));
  on('push:done', (s: PushSummary) => {
    lastShown.delete(s.id);
    rows?.({ type: 'end', id: s.id });
    sink.line({ level: 'success', text: formatPushDone(s) });
    for (const r of s.rows) info(`  ${formatPushRow(r)}`);
  });
}
