// Pure: a burst of keys that arrived as one chunk (fast typing, a paste, a script typing into the
// terminal) replayed in order on the line editor, so a Backspace or Ctrl+U between letters acts where
// it was typed instead of being dropped. Escape sequences (arrows) arrive as chunks of their own.
import * as ed from './line-editor.js';
import type { Completion } from './complete.js';

export interface BurstResult {
  state: ed.EditorState;
  /** Lines submitted by Enter inside the burst, in order. */
  submitted: string[];
  /** Candidates of the last Tab, while no key after it changed the line. */
  hint: string | undefined;
  /** Ctrl+L was typed: clear the screen. */
  clear: boolean;
}

const CONTROL = /(\r\n|[\r\n\t\x7f\x08\x01\x05\x0b\x0c\x15\x17])/;

export function replayBurst(start: ed.EditorState, input: string, complete: (text: string, cursor: number) => Completion): BurstResult {
  let state = start;
  let hint: string | undefined;
  let clear = false;
  const submitted: string[] = [];
  for (const part of input.split(CONTROL)) {
    if (part === '') continue;
    if (part === '\t') {
      const c = complete(state.text, state.cursor);
      state = { ...state, text: c.text, cursor: c.cursor };
      hint = c.candidates.length > 0 ? c.candidates.join('  ') : undefined;
      continue;
    }
    hint = undefined;
    switch (part) {
      case '\r\n':
      case '\r':
      case '\n': {
        const done = ed.submit(state);
        state = done.state;
        submitted.push(done.line);
        break;
      }
      case '\x7f': // Backspace on most terminals
      case '\x08': // Ctrl+H
        state = ed.backspace(state);
        break;
      case '\x01':
        state = ed.home(state);
        break;
      case '\x05':
        state = ed.end(state);
        break;
      case '\x0b': // Ctrl+K
        state = ed.killToEnd(state);
        break;
      case '\x0c':
        clear = true;
        break;
      case '\x15':
        state = ed.killToStart(state);
        break;
      case '\x17':
        state = ed.killWord(state);
        break;
      default:
        state = ed.insert(state, part);
    }
  }
  return { state, submitted, hint, clear };
}
