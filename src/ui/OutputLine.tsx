// One printed line of the output area (commands echoed, answers, notices, errors in red). Long lines
// are wrapped here, at spaces, with the break spaces dropped and later lines indented, so a wrapped
// error reads as one paragraph; only a word longer than the screen is cut.
import { memo } from 'react';
import { Text } from 'ink';
import wrapAnsi from 'wrap-ansi';
import { printable } from '../text.js';

export type OutputKind = 'echo' | 'text' | 'error' | 'info' | 'warning' | 'success';

export interface OutputEntry {
  key: number;
  kind: OutputKind;
  text: string;
}

const INDENT = '  ';

/** Pure: `text` as lines of at most `width` columns, cut at spaces; continuation lines indented. */
export function wrapAtSpaces(text: string, width: number | undefined): string {
  if (width === undefined || width <= INDENT.length + 8 || text.length <= width) return text;
  const [first = '', ...rest] = wrapAnsi(text, width - INDENT.length, { hard: true, trim: true }).split('\n');
  return [first, ...rest.map((l) => INDENT + l)].join('\n');
}

export const OutputLine = memo(function OutputLine({ entry: raw, width }: { entry: OutputEntry; width?: number }) {
  // The TUI's one output point: a line quoting network text can neither break the layout nor drive the terminal.
  const text = printable(raw.text);
  const wrapped = wrapAtSpaces(text, width);
  switch (raw.kind) {
    case 'echo':
      return (
        <Text>
          <Text color="cyan" bold>{'› '}</Text>
          <Text bold>{text}</Text>
        </Text>
      );
    case 'error':
      return <Text color="red">{wrapped}</Text>;
    case 'warning':
      return <Text color="yellow">{wrapped}</Text>;
    case 'success':
      return <Text color="green">{wrapped}</Text>;
    case 'info':
      return <Text dimColor>{wrapped}</Text>;
    default:
      return <Text>{wrapped || ' '}</Text>;
  }
});
