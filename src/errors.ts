// Typed errors: each carries a stable code and the context a user or log needs.
import { printable } from './text.js';

export type ErrorCode =
  | 'BAD_CONFIG'
  | 'BAD_COMMAND'
  | 'PORT_IN_USE'
  | 'FOLDER_UNUSABLE'
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'BAD_MESSAGE'
  | 'TIMEOUT'
  | 'CONNECTION_CLOSED'
  | 'REMOTE_ERROR'
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'UNSAFE_NAME'
  | 'HASH_MISMATCH'
  | 'BUSY'
  | 'IO';

export class LanmeshError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'LanmeshError';
  }
}

export const isLanmeshError = (e: unknown, code?: ErrorCode): e is LanmeshError =>
  e instanceof LanmeshError && (code === undefined || e.code === code);

/**
 * A short human message for any thrown value (never a stack trace), printable: error messages quote
 * remote text (names, a peer's `error` message), and a newline or an escape must not reach the output.
 */
export function describeError(e: unknown): string {
  return printable(e instanceof Error ? e.message : String(e));
}
