// The top of the live panel: this peer's name, address, four ports and how many peers it sees; in
// P2P-CI index mode one more line: the index server, the RFCs registered there, and whether mDNS runs.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { IndexView, SelfView } from './use-peer-state.js';
import { plural } from '../session/text.js';

export interface HeaderProps {
  self: SelfView;
  peerCount: number;
  width: number;
  index?: IndexView;
  discovering?: boolean;
}

function parts(self: SelfView, peerCount: number) {
  const p = self.ports;
  const ports = `ports ${p.receiver},${p.sender},${p.distributor},${p.distributee}`;
  const peers = plural(peerCount, 'peer');
  return { ports, peers, oneLine: `lanmesh  ${self.name}  ${self.address}  ${ports}  ${peers}` };
}

/** "index 127.0.0.1:7734 · 3 RFCs · mDNS off"; the state shows while not connected. */
export function indexLine(index: IndexView, discovering: boolean): string {
  const state = index.state === 'connected' ? '' : ` (${index.state})`;
  return `index ${index.server}${state} · ${plural(index.rfcs, 'RFC')} · mDNS ${discovering ? 'on' : 'off'}`;
}

/** Rows the header takes at this width: a rule plus one line (two on narrow terminals), plus the index line. */
export function headerRows(self: SelfView, peerCount: number, width: number, index?: IndexView): number {
  return ([...parts(self, peerCount).oneLine].length <= width ? 2 : 3) + (index ? 1 : 0);
}

export const Header = memo(function Header({ self, peerCount, width, index, discovering = true }: HeaderProps) {
  const { ports, peers, oneLine } = parts(self, peerCount);
  const rule = '─'.repeat(Math.max(1, width));
  const indexRow = index ? <Text color="magenta" wrap="truncate-end">{indexLine(index, discovering)}</Text> : null;
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
        {indexRow}
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
      {indexRow}
    </Box>
  );
});
