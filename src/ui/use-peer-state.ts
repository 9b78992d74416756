// The UI's only window on a peer: a facade (subscribe → unsubscribe, getState, run, stop) and a hook
// that re-renders on its changes at most once per throttle window, so ten events a second never flicker.
import { useEffect, useState } from 'react';
import type { PushCell } from './push-matrix.js';
import type { PeerView } from '../peer.js';
import type { CommandOutput } from '../session/commands.js';
import type { PortSet } from '../types.js';

export interface SelfView {
  id: string;
  name: string;
  /** The address other peers reach this one at (first LAN IPv4). */
  address: string;
  ports: PortSet;
}

export type DownloadPhase = 'running' | 'waiting' | 'done' | 'failed';

/** One download as the UI shows it; the facade maps transfer events onto this. */
export interface DownloadView {
  key: string;
  name: string;
  size: number;
  /** Verified bytes so far. */
  bytes: number;
  /** Recent bytes per second (0 while unknown). */
  rate: number;
  /** Holders sending right now. */
  holders: number;
  /** Holders known for this file (connected or being dialled). */
  known: number;
  phase: DownloadPhase;
  /** A word on what it is doing besides fetching (connecting, verifying). */
  note?: string;
}

/** A push this peer originates: its title and one cell per recipient (drawn by push-matrix.ts). */
export interface PushView {
  key: string;
  title: string;
  cells: readonly PushCell[];
}

export interface Notice {
  /** Increasing; the UI prints each notice once. */
  seq: number;
  level: 'info' | 'warning' | 'success';
  text: string;
  /** A finished download: printed as a full bar above the text. */
  finished?: { name: string; size: number };
}

/** This peer's P2P-CI index mode (`--index`), as the header shows it. */
export interface IndexView {
  /** host:port of the index server. */
  server: string;
  state: 'connecting' | 'connected' | 'reconnecting' | 'closed';
  /** RFCs registered with the index on the current connection. */
  rfcs: number;
}

export interface PeerState {
  self: SelfView;
  /** Whether mDNS discovery runs (false with --no-mdns: no peer list to wait for). */
  discovering: boolean;
  /** Absent without --index. */
  index?: IndexView;
  peers: readonly PeerView[];
  /** Every file name on the mesh (tab completion). */
  fileNames: readonly string[];
  /** Downloads still running or waiting; finished ones leave (their summary becomes a notice). */
  downloads: readonly DownloadView[];
  /** Pushes this peer runs (absent: none). */
  pushes?: readonly PushView[];
  /** Uploads running now, one worded row each (absent: none). */
  uploads?: readonly string[];
  /** `--accept ask`: the oldest offer waiting for y/n, worded (absent: none waits). */
  question?: string;
  /** The latest notices (peer up/down, warnings, index notices, finished downloads), oldest first. */
  notices: readonly Notice[];
}

export interface CommandInfo {
  name: string;
  usage: string;
  summary: string;
}

export interface PeerFacade {
  /** `onChange` runs after every change; returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
  /** The current snapshot: the same object until something changes. */
  getState(): PeerState;
  readonly commands: readonly CommandInfo[];
  /** Runs one command line on the shared command layer; rejects with a typed error. */
  run(line: string): Promise<CommandOutput>;
  /** Leaves the mesh (goodbye sent). Idempotent. */
  stop(): Promise<void>;
  /** Answers the oldest waiting push offer (`question`); the answer's line, or undefined if none waits. */
  answerPush?(yes: boolean): string | undefined;
}

export const DEFAULT_THROTTLE_MS = 100;

/** The facade's state, re-read at most once per `throttleMs` (first change at once, then trailing). */
export function usePeerState(facade: PeerFacade, throttleMs = DEFAULT_THROTTLE_MS): PeerState {
  const [state, setState] = useState(() => facade.getState());
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    let last = 0;
    const flush = () => {
      timer = undefined;
      last = Date.now();
      setState(facade.getState());
    };
    const unsubscribe = facade.subscribe(() => {
      if (timer) return;
      const wait = last + throttleMs - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    });
    // A change between the first render and subscribing would otherwise be missed.
    setState(facade.getState());
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [facade, throttleMs]);
  return state;
}
