// Typed errors: each carries a stable code and the context a user or log needs.

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

/** A short human message for any thrown value (never a stack trace). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
