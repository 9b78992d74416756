// Line mode: one command per input line, plain text out. Each answer ends with one empty line;
// notices that arrive by themselves are single lines starting with "* " (info) or "! " (warning).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Peer } from '../peer.js';
import type { RemotePeer } from '../discovery/peer-table.js';
import { execute } from './commands.js';
import { describeError } from '../errors.js';
import type { DownloadProgress, DownloadStart, DownloadSummary, DroppedHolder } from '../transfer/transfer-service.js';
import { formatDone, formatDropped, formatProgress, formatStart, formatState } from './transfer-format.js';

type Listener = Parameters<Peer['on']>[1];

export interface LineModeIO {
  input: Readable;
  output: Writable;
}

/** Runs until `exit` or end of input; resolves after the peer has stopped (goodbye sent). */
export async function runLineMode(peer: Peer, io: LineModeIO): Promise<void> {
  const write = (lines: string[]) => io.output.write(lines.map((l) => l + '\n').join(''));
  const onUp = (p: RemotePeer) => write([`* peer up: ${p.name} ${p.address}`]);
  const onDown = (p: RemotePeer, reason: string) => write([`* peer down: ${p.name} (${reason})`]);
  const onWarning = (m: string) => write([`! ${m}`]);
  const onNotice = (m: string) => write([`* ${m}`]);
  peer.on('peer:up', onUp);
  peer.on('peer:down', onDown);
  peer.on('warning', onWarning);
  peer.on('notice', onNotice);
  // Peers found while the peer was starting, before anyone listened.
  for (const p of peer.peers()) write([`* peer up: ${p.name} ${p.address}`]);
  const downloads = downloadNotices(peer.dir, write);
  for (const [ev, fn] of downloads) peer.on(ev, fn);
  peer.resumeDownloads().catch((err: unknown) => onWarning(`cannot resume downloads: ${describeError(err)}`));

  const rl = createInterface({ input: io.input, terminal: false, crlfDelay: Infinity });
  try {
    // Commands run one at a time and in order, so answers never interleave.
    for await (const line of rl) {
      if (!line.trim()) continue;
      let exit = false;
      try {
        const out = await execute({ peer }, line);
        exit = out.exit === true;
        if (!exit) write([...out.lines, '']);
      } catch (err) {
        write([`error: ${describeError(err)}`, '']);
      }
      if (exit) break;
    }
  } finally {
    rl.close();
    await peer.stop();
    peer.off('peer:up', onUp);
    peer.off('peer:down', onDown);
    peer.off('warning', onWarning);
    peer.off('notice', onNotice);
    for (const [ev, fn] of downloads) peer.off(ev, fn);
    write(['* bye']);
  }
}

/** Download events as notices: progress at most once a second per file, state changes, the final line. */
function downloadNotices(peerDir: string, write: (lines: string[]) => void): Array<[string, Listener]> {
  const lastProgress = new Map<string, number>();
  /** Downloads that said they wait, until they run again. */
  const waiting = new Set<string>();
  const onStart = (s: DownloadStart) => {
    if (s.via === 'resume') write([`* ${formatStart(s)}`]);
  };
  const onProgress = (p: DownloadProgress) => {
    const now = Date.now();
    if (now - (lastProgress.get(p.id) ?? 0) < 1000) return;
    lastProgress.set(p.id, now);
    write([`* ${formatProgress(p)}`]);
  };
  const onState = (p: DownloadProgress) => {
    const line = formatState(p, waiting.has(p.id));
    if (p.state === 'waiting') waiting.add(p.id);
    else if (p.state === 'running') waiting.delete(p.id);
    if (line) write([`* ${line}`]);
  };
  const onDropped = (x: DroppedHolder) => write([`! ${formatDropped(x)}`]);
  const onDone = (s: DownloadSummary) => {
    lastProgress.delete(s.id);
    waiting.delete(s.id);
    write([`* ${formatDone(s, peerDir)}`]);
  };
  const onFailed = (f: { id: string; name: string; error: string }) => {
    lastProgress.delete(f.id);
    waiting.delete(f.id);
    write([`! download ${f.name} failed: ${f.error}`]);
  };
  return [
    ['download:start', onStart],
    ['download:progress', onProgress],
    ['download:state', onState],
    ['download:dropped', onDropped],
    ['download:done', onDone],
    ['download:failed', onFailed],
  ] as Array<[string, Listener]>;
}
