// One printed line of the output area (commands echoed, answers, notices, errors in red).
import { memo } from 'react';
import { Text } from 'ink';

export type OutputKind = 'echo' | 'text' | 'error' | 'info' | 'warning' | 'success';

export interface OutputEntry {
  key: number;
  kind: OutputKind;
  text: string;
}

export const OutputLine = memo(function OutputLine({ entry }: { entry: OutputEntry }) {
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
