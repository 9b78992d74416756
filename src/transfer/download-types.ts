// The shapes a download reports (events on the Peer, for line mode and the Ink UI alike).
import type { FileId, Manifest, PeerId } from '../types.js';

/** A download that lands in a folder download's tree instead of downloads/, reporting to it instead of the events. */
export interface IntoFolder {
  dir: string;
  progress(bytesDone: number): void;
  done(summary: DownloadSummary, manifest: Manifest): void;
  failed(error: Error): void;
}

/** connecting: dialling holders; running: a connected holder can send a missing chunk; waiting: none can (resumes by itself). */
export type DownloadState = 'connecting' | 'running' | 'waiting' | 'verifying' | 'done' | 'failed' | 'closed';

export interface DownloadProgress {
  id: FileId;
  name: string;
  size: number;
  chunks: number;
  chunksDone: number;
  bytesDone: number;
  /** 0..100, one decimal. */
  percent: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Holders with requests outstanding right now. */
  holders: number;
  /** Holders known (connected or being dialled). */
  known: number;
  state: DownloadState;
  /** A folder download (chunks/chunksDone then count files). */
  folder?: { files: number; filesDone: number };
}

export interface HolderShare {
  peer: PeerId;
  name: string;
  bytes: number;
  chunks: number;
}

export interface DroppedHolder {
  id: FileId;
  file: string;
  peer: PeerId;
  name: string;
  address: string;
  reason: string;
}

export interface DownloadSummary {
  id: FileId;
  name: string;
  /** Absolute path of the finished file (under downloads/). */
  path: string;
  size: number;
  /** Time of this run, ms. */
  ms: number;
  /** Bytes fetched in this run per second. */
  rate: number;
  /** What each holder sent in this run (verified chunks only), largest first. */
  shares: HolderShare[];
  /** Chunks already verified on disk when this run started (a resume). */
  kept: number;
  /** Chunks fetched and stored in this run. */
  fetched: number;
  /** Chunks received in this run that were verified on disk before it started (a resume must make this 0). */
  refetched: number;
  /** Copies received of chunks already stored (endgame duplicates). */
  duplicates: number;
  dropped: DroppedHolder[];
  /** A folder download: files, and what was not fetched because this peer had it already. */
  folder?: FolderTally;
}

export interface FolderTally {
  files: number;
  /** Files fetched in this run. */
  fetchedFiles: number;
  /** Files already verified in the partial tree when this run started. */
  keptFiles: number;
  /** Files copied from what this peer already held (by id, anywhere), or from another path of the same folder. */
  copiedFiles: number;
  /** Bytes those copies saved fetching. */
  savedBytes: number;
}

export interface DownloadStart {
  id: FileId;
  name: string;
  size: number;
  chunks: number;
  /** Chunks already verified on disk. */
  kept: number;
  holders: number;
  /** command: asked for now; resume: picked up again at start; push: another peer pushed it here. */
  via: 'command' | 'resume' | 'push';
  /** via push: the name of the peer that pushed it. */
  pushedBy?: string;
  /** A folder download: `chunks`/`kept` then count files; `copied` files this peer had already (not fetched). */
  folder?: { files: number; kept: number; copied: number; savedBytes: number };
}

export interface DownloadFailure {
  id: FileId;
  name: string;
  error: string;
  /** The user ended it (cancel), not a fault. */
  cancelled?: true;
}

/**
 * Everything a download reports, as one union: built once by the transfer service, forwarded once by
 * the peer (`download` event), read by both front ends through the session layer.
 * progress: the periodic report (≤ 1/s while bytes move); state: its state changed.
 */
export type DownloadEvent =
  | { type: 'start'; start: DownloadStart }
  | { type: 'progress'; progress: DownloadProgress }
  | { type: 'state'; progress: DownloadProgress }
  | { type: 'dropped'; dropped: DroppedHolder }
  | { type: 'done'; summary: DownloadSummary }
  | { type: 'failed'; failure: DownloadFailure };
