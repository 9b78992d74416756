// The mesh commands (list, peers, download, downloads, cancel, where, share, distribute, exit): each reads the peer and
// returns the lines to show; a thrown error becomes one "error: …" line in either front end.
import type { MeshFile } from '../catalog/catalog.js';
import type { Command } from './command-types.js';
import { formatBytes, formatProgress, formatStart, formatWhere, formatWhereFolder, plural, table } from './text.js';
import { LanmeshError } from '../errors.js';
import { parseDistributeArgs } from './distribute-args.js';
import { isFolder } from '../transfer/share-folder.js';
import { formatPushStart } from './push-format.js';

export const peersCommand: Command = {
  name: 'peers',
  usage: 'peers',
  summary: 'other peers on the mesh: name, address, the four ports, number of files (static: found by --peer / hello)',
  run({ peer }) {
    const peers = peer.peers();
    const rows = peers.map((p) => [
      p.name,
      p.address,
      `ports ${p.ports.receiver},${p.ports.sender},${p.ports.distributor},${p.ports.distributee}`,
      `files ${p.files ?? '?'}`,
      `id ${p.id}${p.static ? ' static' : ''}`,
    ]);
    return { lines: [plural(peers.length, 'peer'), ...table(rows)] };
  },
};

export const listCommand: Command = {
  name: 'list',
  usage: 'list',
  summary: 'every folder and file on the mesh with size and holders (* = this peer has it)',
  run({ peer }) {
    const files = peer.files();
    const folders = peer.folders();
    const holderName = holderNames(peer.peers());
    const folderRows = folders.map((f) => [
      f.local ? '*' : ' ',
      `${f.names[0]}/` + (f.names.length > 1 ? ` (also: ${f.names.slice(1).map((n) => `${n}/`).join(', ')})` : ''),
      `${plural(f.files.length, 'file')}, ${formatBytes(f.size)}`,
      f.holders.map((h) => holderName(h.peer, h.peerName)).join(', '),
      `id ${f.id.slice(0, 12)}`,
    ]);
    const head = folders.length ? [`${plural(folders.length, 'folder')} on the mesh`, ...table(folderRows)] : [];
    const rows = files.map((f) => [
      f.local ? '*' : ' ',
      displayName(f),
      formatBytes(f.size),
      f.holders.map((h) => holderName(h.peer, h.peerName) + (h.have !== undefined ? ' (partial)' : '')).join(', '),
      `id ${f.id.slice(0, 12)}`,
    ]);
    // Files first, as before folders existed: scripts read the count on the first line.
    return { lines: [`${plural(files.length, 'file')} on the mesh`, ...table(rows), ...head] };
  },
};

/** Peers that share a name are told apart by their address (`peer1 (10.0.0.4)`). */
function holderNames(peers: ReadonlyArray<{ id: string; name: string; address: string }>): (id: string, name: string) => string {
  const count = new Map<string, number>();
  for (const p of peers) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const address = new Map(peers.map((p) => [p.id, p.address]));
  return (id, name) => ((count.get(name) ?? 0) > 1 && address.has(id) ? `${name} (${address.get(id)})` : name);
}

export const downloadCommand: Command = {
  name: 'download',
  usage: 'download <name | folder/ | id>',
  takesArgument: true,
  summary: 'fetch a file (or a whole folder, into downloads/<folder>/) from every peer that holds it, verified, into downloads/',
  async run({ peer }, rest) {
    return { lines: [formatStart(await peer.download(rest))] };
  },
};

export const downloadsCommand: Command = {
  name: 'downloads',
  usage: 'downloads',
  summary: 'downloads in progress',
  run({ peer }) {
    const list = peer.downloads();
    return { lines: [plural(list.length, 'download') + ' in progress', ...list.map((p) => `  ${formatProgress(p)} (${p.state})`)] };
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  usage: 'cancel <name | id>',
  takesArgument: true,
  summary: 'stop a download for good: its partial data is deleted and it never resumes',
  async run({ peer }, rest) {
    const c = await peer.cancelDownload(rest);
    const kept = c.bytesDone > 0 ? ` (${formatBytes(c.bytesDone)} fetched, deleted)` : '';
    return { lines: [`cancelled ${c.name}${kept}: it will not resume`] };
  },
};

export const whereCommand: Command = {
  name: 'where',
  usage: 'where <name | folder/ | id>',
  takesArgument: true,
  summary: 'every holder of a file (which chunks each has) or of a folder',
  run({ peer }, rest) {
    const folder = peer.whereFolder(rest);
    if (folder) return { lines: formatWhereFolder(folder) };
    return { lines: formatWhere(peer.where(rest)) };
  },
};

export const shareCommand: Command = {
  name: 'share',
  usage: 'share <path | folder>',
  takesArgument: true,
  summary: 'copy a file (or a whole folder) into shared/ and offer it at once',
  async run({ peer }, rest) {
    if (!rest) throw new LanmeshError('BAD_COMMAND', 'share what? give the path of a file or a folder');
    if (await isFolder(rest)) {
      const f = await peer.shareFolder(rest);
      const what = `${f.relPath}/ (${plural(f.files, 'file')}, ${formatBytes(f.size)})`;
      return { lines: [f.copied ? `shared ${what}` : `already offered: ${what}`] };
    }
    const { file, copied } = await peer.share(rest);
    const m = file.manifest;
    const what = `${file.relPath} (${formatBytes(m.size)}), id ${m.id.slice(0, 12)}`;
    return { lines: [copied ? `shared ${what}` : `already offered: ${what}`] };
  },
};

export const distributeCommand: Command = {
  name: 'distribute',
  usage: 'distribute <name | id> [--to PEER,…]',
  takesArgument: true,
  summary: 'push a file this peer has to every peer (or the named ones); the origin uploads each chunk about once',
  run({ peer }, rest) {
    const { query, to } = parseDistributeArgs(rest);
    return { lines: [formatPushStart(peer.distribute(query, to))] };
  },
};

export const exitCommand: Command = {
  name: 'exit',
  usage: 'exit',
  aliases: ['quit'],
  summary: 'leave the mesh (the others are told at once)',
  run() {
    return { lines: [], exit: true };
  },
};

function displayName(f: MeshFile): string {
  const [first, ...others] = f.names;
  return others.length ? `${first} (also: ${others.join(', ')})` : first!;
}
