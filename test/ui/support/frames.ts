// Helpers for asserting on Ink frames: strip ANSI, wait for content, resize the fake terminal.
import { stripVTControlCharacters } from 'node:util';
import { waitFor } from '../../support/with-timeout.js';

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  left: '\u001B[D',
  tab: '\t',
  enter: '\r',
  backspace: '\u007F',
  ctrlC: '\u0003',
  ctrlD: '\u0004',
};

export const plain = (frame: string | undefined): string => stripVTControlCharacters(frame ?? '');

/** Polls the last frame until `test` holds; returns the ANSI-stripped frame. */
export async function frameWhere(
  lastFrame: () => string | undefined,
  test: (text: string) => boolean,
  what: string,
  timeoutMs = 3000,
): Promise<string> {
  try {
    return await waitFor(() => (test(plain(lastFrame())) ? plain(lastFrame()) : undefined), { timeoutMs, intervalMs: 10, what });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- last frame ---\n${plain(lastFrame())}`);
  }
}

export const frameWith = (lastFrame: () => string | undefined, text: string | RegExp, timeoutMs?: number) =>
  frameWhere(lastFrame, (f) => (typeof text === 'string' ? f.includes(text) : text.test(f)), `frame with ${text}`, timeoutMs);

/** Gives the ink-testing-library stdout a new size and tells Ink, as a terminal resize does. */
export function resize(stdout: object, columns: number, rows?: number): void {
  Object.defineProperty(stdout, 'columns', { configurable: true, get: () => columns });
  Object.defineProperty(stdout, 'rows', { configurable: true, get: () => rows });
  (stdout as { emit(e: string): void }).emit('resize');
}

/** The live panel: the lines after the last output line printed through <Static> (the header rule starts it). */
export function livePanel(frame: string): string[] {
  const lines = frame.split('\n');
  const start = lines.findIndex((l) => /^─+$/.test(l));
  return start < 0 ? lines : lines.slice(start);
}
