// The terminal's size from Ink's stdout, re-read on every resize so the layout follows the window.
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  columns: number;
  /** Undefined when the output is not a terminal (tests): nothing is capped by height then. */
  rows: number | undefined;
}

const read = (s: NodeJS.WriteStream): TerminalSize => ({
  columns: s.columns > 0 ? s.columns : 80,
  rows: s.rows > 0 ? s.rows : undefined,
});

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () =>
      setSize((prev) => {
        const next = read(stdout);
        return prev.columns === next.columns && prev.rows === next.rows ? prev : next;
      });
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
