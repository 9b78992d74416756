// The live list of other peers (pure: a function of its props); columns drop out on narrow terminals.
import { memo } from 'react';
import { Box, Text } from 'ink';
import type { PeerView } from '../peer.js';
import { plural } from '../session/text.js';
import { fit } from './format-transfer.js';

export interface PeerListProps {
  peers: readonly PeerView[];
  width: number;
  /** Rows available (at least 1); the rest are summarised in one line. */
  maxRows: number;
  /** false with --no-mdns: no peer will appear here by itself. */
  discovering?: boolean;
  /** Index mode runs (list asks the index instead). */
  indexMode?: boolean;
}

const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));

function emptyText(discovering: boolean, indexMode: boolean): string {
  if (discovering) return '  no other peers yet: they appear here by themselves';
  return `  mDNS is off: no peers are discovered${indexMode ? '; list asks the index' : ''}`;
}

export const PeerList = memo(function PeerList({ peers, width, maxRows, discovering = true, indexMode = false }: PeerListProps) {
  if (peers.length === 0) {
    return <Text dimColor wrap="truncate-end">{emptyText(discovering, indexMode)}</Text>;
  }
  const rows = peers.map((p) => ({
    key: p.id,
    name: p.name,
    address: p.address,
    ports: `ports ${p.ports.receiver},${p.ports.sender},${p.ports.distributor},${p.ports.distributee}`,
    files: p.files === undefined ? 'files …' : plural(p.files, 'file'),
  }));
  const wAddr = Math.max(...rows.map((r) => r.address.length));
  const wPorts = Math.max(...rows.map((r) => r.ports.length));
  const wFiles = Math.max(...rows.map((r) => r.files.length));
  // Names are cut first on narrow terminals, then the ports column goes, then the address.
  const wName = Math.min(Math.max(...rows.map((r) => [...r.name].length)), Math.max(8, Math.floor(width / 3)));
  const withPorts = 4 + wName + 2 + wAddr + 2 + wPorts + 2 + wFiles <= width;
  const withAddr = 4 + wName + 2 + wAddr + 2 + wFiles <= width;
  const fits = peers.length <= maxRows;
  const shown = fits ? rows : rows.slice(0, Math.max(0, maxRows - 1));
  return (
    <Box flexDirection="column">
      {shown.map((r) => (
        <Text key={r.key} wrap="truncate-end">
          <Text color="green">{'  ● '}</Text>
          {`${pad(fit(r.name, wName), wName)}  ${withAddr ? `${pad(r.address, wAddr)}  ` : ''}${withPorts ? `${pad(r.ports, wPorts)}  ` : ''}${r.files}`}
        </Text>
      ))}
      {fits ? null : (
        <Text dimColor wrap="truncate-end">{`  … and ${rows.length - shown.length} more (type peers)`}</Text>
      )}
    </Box>
  );
});
