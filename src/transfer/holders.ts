// Who holds a mesh file, as the transfer module needs it: remote holders with the address and
// sender port to dial and the chunks each has; and the `where` report (every holder, this peer too).
import type { MeshFile } from '../catalog/catalog.js';
import { Bitfield } from '../store/bitfield.js';
import type { Manifest, PeerId, PortSet } from '../types.js';
import type { HolderInfo } from './holder-session.js';

/** A peer as discovery knows it: where its ports are. */
export interface PeerAddress {
  name: string;
  address: string;
  ports: PortSet;
}

export type PeerLookup = (peer: PeerId) => PeerAddress | undefined;

export interface WhereHolder {
  peer: PeerId;
  name: string;
  /** Undefined for this peer, or a peer discovery no longer knows. */
  address: string | undefined;
  self: boolean;
  have: Bitfield | 'all';
}

export interface WhereReport {
  file: MeshFile;
  chunks: number;
  holders: WhereHolder[];
}

/**
 * Remote holders with something to offer. With the download's manifest (verified against the id) its
 * chunk count rules: a holder claiming another size or chunk size, or whose bitfield does not decode to
 * exactly that many chunks, is skipped with a warning (its bits would point at other chunks).
 */
export function remoteHolders(
  file: MeshFile | undefined,
  self: PeerId,
  lookup: PeerLookup,
  warn: (m: string) => void,
  manifest?: Pick<Manifest, 'size' | 'chunkSize' | 'hashes'>,
): HolderInfo[] {
  if (!file) return [];
  const chunks = manifest ? manifest.hashes.length : Math.ceil(file.size / file.chunkSize);
  const out: HolderInfo[] = [];
  for (const h of file.holders) {
    if (h.local || h.peer === self) continue;
    const at = lookup(h.peer);
    if (!at) continue;
    if (manifest && (h.size !== manifest.size || h.chunkSize !== manifest.chunkSize)) {
      warn(`${h.peerName} advertises ${h.name} with another size (${h.size} B in chunks of ${h.chunkSize} B); ignored`);
      continue;
    }
    let have: Bitfield | 'all' = 'all';
    if (h.have !== undefined) {
      const bits = decodeHave(h.have, chunks);
      if (!bits) {
        warn(`${h.peerName} advertises a broken chunk list for ${h.name}; ignored`);
        continue;
      }
      if (bits.count() === 0) continue;
      have = bits;
    }
    out.push({ peer: h.peer, name: h.peerName, address: at.address, senderPort: at.ports.sender, have });
  }
  return out;
}

export function whereIs(file: MeshFile, lookup: PeerLookup): WhereReport {
  const chunks = Math.ceil(file.size / file.chunkSize);
  const holders = file.holders.map((h): WhereHolder => ({
    peer: h.peer,
    name: h.peerName,
    address: h.local ? undefined : lookup(h.peer)?.address,
    self: h.local,
    have: h.have === undefined ? 'all' : decodeHave(h.have, chunks) ?? new Bitfield(chunks),
  }));
  return { file, chunks, holders };
}

function decodeHave(b64: string, chunks: number): Bitfield | undefined {
  try {
    return Bitfield.fromBase64(b64, chunks);
  } catch {
    return undefined;
  }
}
