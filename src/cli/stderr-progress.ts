// One live status line on a terminal's stderr for one-shot commands (what it waits for, then the
// download's progress), redrawn in place at most 10 times a second and erased when done. Nothing is
// drawn when stderr is not a terminal or with --json, so scripts see only the final answer.
import type { Writable } from 'node:stream';

const ERASE_LINE = '\r\u001b[K';
const MIN_REDRAW_MS = 100;

export interface StatusLine {
  show(text: string): void;
  /** Erases the line (call before printing the answer or an error). */
  clear(): void;
}

const NONE: StatusLine = { show: () => {}, clear: () => {} };

export function statusLine(stream: Writable & { isTTY?: boolean; columns?: number }, enabled: boolean): StatusLine {
  if (!enabled || stream.isTTY !== true) return NONE;
  let shown = false;
  let last = 0;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = (text: string) => {
    // A pty without a size reports 0 columns: take 80.
    const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
    const width = Math.max(20, columns - 1);
    const cut = [...text].length > width ? `${[...text].slice(0, width - 1).join('')}…` : text;
    stream.write(ERASE_LINE + cut);
    shown = true;
    last = Date.now();
  };
  return {
    show(text) {
      const wait = last + MIN_REDRAW_MS - Date.now();
      if (wait <= 0) return draw(text);
      pending = text;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending !== undefined) draw(pending);
        pending = undefined;
      }, wait);
    },
    clear() {
      clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      if (shown) stream.write(ERASE_LINE);
      shown = false;
    },
  };
}
