// Pure command-line editing: text, cursor and history (up/down). Every function returns a new state,
// so key handlers stay trivial and the behaviour is testable without a terminal.

export interface EditorState {
  text: string;
  /** 0..text.length, in UTF-16 units. */
  cursor: number;
  /** Submitted lines, oldest first. */
  history: readonly string[];
  /** history.length while editing a fresh line; smaller while browsing. */
  historyIndex: number;
  /** The fresh line, kept while browsing history. */
  draft: string;
}

const MAX_HISTORY = 200;

export function emptyEditor(history: readonly string[] = []): EditorState {
  return { text: '', cursor: 0, history, historyIndex: history.length, draft: '' };
}

const withText = (s: EditorState, text: string, cursor: number): EditorState => ({
  ...s,
  text,
  cursor: Math.max(0, Math.min(cursor, text.length)),
});

/** Inserts typed or pasted text; control characters are dropped. */
export function insert(s: EditorState, input: string): EditorState {
  const clean = input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (!clean) return s;
  return withText(s, s.text.slice(0, s.cursor) + clean + s.text.slice(s.cursor), s.cursor + clean.length);
}

export function backspace(s: EditorState): EditorState {
  if (s.cursor === 0) return s;
  return withText(s, s.text.slice(0, s.cursor - 1) + s.text.slice(s.cursor), s.cursor - 1);
}

export function deleteForward(s: EditorState): EditorState {
  if (s.cursor >= s.text.length) return s;
  return withText(s, s.text.slice(0, s.cursor) + s.text.slice(s.cursor + 1), s.cursor);
}

export const left = (s: EditorState): EditorState => withText(s, s.text, s.cursor - 1);
export const right = (s: EditorState): EditorState => withText(s, s.text, s.cursor + 1);
export const home = (s: EditorState): EditorState => withText(s, s.text, 0);
export const end = (s: EditorState): EditorState => withText(s, s.text, s.text.length);

/** Ctrl+U: removes everything before the cursor. */
export const killToStart = (s: EditorState): EditorState => withText(s, s.text.slice(s.cursor), 0);

/** Ctrl+K: removes everything from the cursor on. */
export const killToEnd = (s: EditorState): EditorState => withText(s, s.text.slice(0, s.cursor), s.cursor);

/** Ctrl+W: removes the word before the cursor (and the spaces after it). */
export function killWord(s: EditorState): EditorState {
  const before = s.text.slice(0, s.cursor);
  const kept = before.replace(/\S*\s*$/, '');
  return withText(s, kept + s.text.slice(s.cursor), kept.length);
}

export function historyPrev(s: EditorState): EditorState {
  if (s.historyIndex === 0) return s;
  const draft = s.historyIndex === s.history.length ? s.text : s.draft;
  const i = s.historyIndex - 1;
  const text = s.history[i]!;
  return { ...s, historyIndex: i, draft, text, cursor: text.length };
}

export function historyNext(s: EditorState): EditorState {
  if (s.historyIndex >= s.history.length) return s;
  const i = s.historyIndex + 1;
  const text = i === s.history.length ? s.draft : s.history[i]!;
  return { ...s, historyIndex: i, text, cursor: text.length };
}

/** Enter: the line to run and a fresh editor; blank lines and repeats do not enter history. */
export function submit(s: EditorState): { line: string; state: EditorState } {
  const line = s.text;
  const trimmed = line.trim();
  let history = s.history;
  if (trimmed && history[history.length - 1] !== trimmed) history = [...history, trimmed].slice(-MAX_HISTORY);
  return { line, state: emptyEditor(history) };
}
