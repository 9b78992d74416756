// A stand-in for the peer facade, backed by a plain EventEmitter: tests set its state and script its
// command answers; the components cannot tell it from the real one (they only ever see the facade).
import { EventEmitter } from 'node:events';
import type { CommandOutput } from '../../../src/session/commands.js';
import type { DownloadView, Notice, PeerFacade, PeerState } from '../../../src/ui/use-peer-state.js';
import type { PeerView } from '../../../src/peer.js';
import { asPeerId } from '../../../src/types.js';
import { LanmeshError } from '../../../src/errors.js';

export const COMMAND_INFO = ['list', 'peers', 'where', 'download', 'downloads', 'share', 'help', 'exit'].map((name) => ({
  name,
  usage: name,
  summary: `${name} summary`,
}));

export function peerView(name: string, n: number, files?: number): PeerView {
  return {
    id: asPeerId(`${String(n).padStart(2, '0')}`.repeat(8)),
    name,
    address: `10.77.0.${n}`,
    ports: { receiver: 9000 + n * 10 + 1, sender: 9000 + n * 10 + 2, distributor: 9000 + n * 10 + 3, distributee: 9000 + n * 10 + 4 },
    files,
    static: false,
  };
}

export function downloadView(over: Partial<DownloadView> & { key: string }): DownloadView {
  return { name: 'file.bin', size: 1000, bytes: 0, rate: 0, holders: 0, known: 0, phase: 'running', ...over };
}

export class FakeFacade extends EventEmitter implements PeerFacade {
  readonly commands = COMMAND_INFO;
  readonly runs: string[] = [];
  stops = 0;
  /** Answers a command line; the default answers `exit`, `list` and rejects anything else. */
  answer: (line: string) => Promise<CommandOutput> = async (line) => {
    if (line === 'exit') return { lines: [], exit: true };
    if (line === 'list') return { lines: ['1 file on the mesh', '   notes.txt  6 B  peer2  id 0123456789ab'] };
    throw new LanmeshError('BAD_COMMAND', `unknown command '${line.split(' ')[0]}' (type help)`);
  };
  private state: PeerState;
  private seq = 0;

  constructor(initial: Partial<PeerState> = {}) {
    super();
    this.state = {
      self: { id: 'aaaaaaaaaaaaaaaa', name: 'peer1', address: '10.77.0.1', ports: { receiver: 9001, sender: 9002, distributor: 9003, distributee: 9004 } },
      discovering: true,
      peers: [],
      fileNames: [],
      downloads: [],
      notices: [],
      ...initial,
    };
  }

  set(patch: Partial<PeerState>): void {
    this.state = { ...this.state, ...patch };
    this.emit('change');
  }

  notice(level: Notice['level'], text: string, finished?: Notice['finished']): void {
    this.set({ notices: [...this.state.notices, { seq: ++this.seq, level, text, ...(finished ? { finished } : {}) }] });
  }

  subscribe(fn: () => void): () => void {
    this.on('change', fn);
    return () => this.off('change', fn);
  }

  getState(): PeerState {
    return this.state;
  }

  run(line: string): Promise<CommandOutput> {
    this.runs.push(line);
    return this.answer(line);
  }

  /** Answers to push questions, in order (answerPush). */
  readonly pushAnswers: boolean[] = [];

  answerPush(yes: boolean): string | undefined {
    if (this.state.question === undefined) return undefined;
    this.pushAnswers.push(yes);
    this.set({ question: undefined });
    return yes ? 'accepted big.bin from peer2' : 'refused big.bin from peer2';
  }

  stop(): Promise<void> {
    this.stops++;
    return Promise.resolve();
  }
}
