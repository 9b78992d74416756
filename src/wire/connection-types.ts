// Options, events and request shapes of FramedConnection and dialFramed (types only).
import type { Frame } from './frame.js';
import type { ControlMessage, Exchanges, RequestMessage, RequestType } from './messages.js';
import type { SocketSecurity } from './secure-socket.js';

export type ChunkFrame = Extract<Frame, { kind: 'chunk' }>;

export interface FramedConnectionInit {
  /** Bytes already read from the stream (by a protocol sniffer); decoded before anything else. */
  initial?: Buffer;
  /** Close after this long with nothing sent or received and no request pending; 0 = never. */
  idleTimeoutMs?: number;
  /** Timeout of a request() that gives none. */
  requestTimeoutMs?: number;
  /** Names the far end in errors when the stream is not a net.Socket. */
  label?: string;
  /** Largest incoming frame (length field) accepted; default MAX_FRAME. See setMaxFrame(). */
  maxFrameBytes?: number;
  /**
   * Close when a frame whose first byte arrived is still incomplete this long after (while we
   * read): a peer trickling one byte at a time is never idle, and must not hold the connection. 0 = never.
   */
  frameTimeoutMs?: number;
  /** The stream's 'data' slices are views of a buffer it reuses once the listener returns (transfer/reused-reads.ts): decode into copies. */
  transientReads?: boolean;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Aborting rejects the request with signal.reason. */
  signal?: AbortSignal;
}

/** A request as the caller writes it: the connection assigns the rid. */
export type RequestBody<K extends RequestType> = Omit<Exchanges[K]['request'], 'rid' | 't'> & { t: K };
/** Any request without its rid. */
export type AnyRequestBody = RequestMessage extends infer M ? (M extends RequestMessage ? Omit<M, 'rid'> : never) : never;

export type FramedConnectionEvents = {
  /** A request or notice (responses to our own requests resolve request() instead). */
  control: [msg: ControlMessage];
  chunk: [frame: ChunkFrame];
  warning: [err: Error];
  /** Once. err is undefined for a clean close by either side. */
  close: [err?: Error];
};

export interface DialOptions extends Omit<FramedConnectionInit, 'initial'> {
  /** Connect timeout (TIMEOUT). */
  timeoutMs?: number;
  /** Aborting rejects with signal.reason and destroys the half-open socket. */
  signal?: AbortSignal;
  /** Plain TCP (default, OPEN_MESH) or a private mesh's TLS-PSK. */
  security?: SocketSecurity;
}

