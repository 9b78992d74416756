// One printed line of the output area (commands echoed, answers, notices, errors in red).
import { memo } from 'react';
import { Text } from 'ink';
import { printable } from '../text.js';

export type OutputKind = 'echo' | 'text' | 'error' | 'info' | 'warning' | 'success';

export interface OutputEntry {
  key: number;
  kind: OutputKind;
  text: string;
}

export const OutputLine = memo(function OutputLine({ entry: raw }: { entry: OutputEntry }) {
  // The TUI's one output point: a line quoting network text can neither break the layout nor drive the terminal.
  const entry = { ...raw, text: printable(raw.text) };
  switch (entry.kind) {
    case 'echo':
      return (
        <Text>
          <Text color="cyan" bold>{'› '}</Text>
          <Text bold>{entry.text}</Text>
        </Text>
      );
    case 'error':
      return <Text color="red">{entry.text}</Text>;
    case 'warning':
      return <Text color="yellow">{entry.text}</Text>;
    case 'success':
      return <Text color="green">{entry.text}</Text>;
    case 'info':
      return <Text dimColor>{entry.text}</Text>;
    default:
      return <Text>{entry.text || ' '}</Text>;
  }
});
