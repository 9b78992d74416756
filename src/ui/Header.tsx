// The top of the live panel: this peer's name, address, four ports and how many peers it sees.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { SelfView } from './use-peer-state.js';
import { plural } from '../cli/format.js';

export interface HeaderProps {
  self: SelfView;
  peerCount: number;
  width: number;
}

function parts(self: SelfView, peerCount: number) {
  const p = self.ports;
  const ports = `ports ${p.receiver},${p.sender},${p.distributor},${p.distributee}`;
  const peers = plural(peerCount, 'peer');
  return { ports, peers, oneLine: `lanmesh  ${self.name}  ${self.address}  ${ports}  ${peers}` };
}

/** Rows the header takes at this width: a rule plus one line, or two on narrow terminals. */
export function headerRows(self: SelfView, peerCount: number, width: number): number {
  return [...parts(self, peerCount).oneLine].length <= width ? 2 : 3;
}

export const Header = memo(function Header({ self, peerCount, width }: HeaderProps) {
  const { ports, peers, oneLine } = parts(self, peerCount);
  const rule = '─'.repeat(Math.max(1, width));
  if ([...oneLine].length <= width) {
    return (
      <Box flexDirection="column">
        <Text dimColor wrap="truncate-end">{rule}</Text>
        <Text wrap="truncate-end">
          <Text color="cyan">lanmesh</Text>
          {'  '}
          <Text bold>{self.name}</Text>
          {`  ${self.address}  ${ports}  `}
          <Text color="green">{peers}</Text>
        </Text>
      </Box>
    );
  }
  // Narrow terminal: two short lines instead of one wrapped line.
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate-end">{rule}</Text>
      <Text wrap="truncate-end">
        <Text bold>{self.name}</Text>
        {'  '}
        <Text color="green">{peers}</Text>
      </Text>
      <Text wrap="truncate-end">{`${self.address}  ${ports}`}</Text>
    </Box>
  );
});
