// Keeps the output on screen when the terminal narrows, and clears it on request (clear, Ctrl+L).
// A narrower terminal re-wraps old lines, so run-tui wipes the screen and Ink redraws only the live
// panel; printed output would survive only in the scrollback. Remounting <Static> (a new key) with the
// last screenful of entries prints them again, wrapped at the new width.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStdout } from 'ink';

/** Cursor home, erase the screen and the scrollback. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J\u001b[3J';
const DEFAULT_ROWS = 24;

export interface OutputReplay {
  /** The key for <Static>: a new one prints `from`… again. */
  epoch: number;
  /** Index of the first output entry <Static> is given. */
  from: number;
  clear(): void;
}

export function useOutputReplay(outputLength: number, columns: number, rows: number | undefined): OutputReplay {
  const { write } = useStdout();
  const [view, setView] = useState({ epoch: 0, from: 0 });
  const length = useRef(outputLength);
  length.current = outputLength;
  const lastColumns = useRef(columns);

  useEffect(() => {
    if (columns < lastColumns.current) {
      const from = Math.max(0, length.current - (rows ?? DEFAULT_ROWS));
      setView((v) => ({ epoch: v.epoch + 1, from: Math.max(v.from, from) }));
    }
    lastColumns.current = columns;
  }, [columns, rows]);

  const clear = useCallback(() => {
    write(CLEAR_SCREEN);
    // Nothing printed before the clear comes back on a later resize.
    setView((v) => ({ epoch: v.epoch + 1, from: length.current }));
  }, [write]);

  return { ...view, clear };
}
