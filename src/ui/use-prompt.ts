// Keyboard → line editor: history, tab completion, editing keys, Enter, Ctrl+C/Ctrl+D to leave.
// The editor lives in a ref so keys that arrive before React re-renders still see the latest line.
import { useCallback, useRef, useState } from 'react';
import { useInput, type Key } from 'ink';
import * as ed from './line-editor.js';
import { replayBurst } from './key-burst.js';
import type { Completion } from './complete.js';

export interface PromptInit {
  onSubmit(line: string): void;
  onLeave(): void;
  /** Ctrl+L: clear the screen. */
  onClear(): void;
  complete(text: string, cursor: number): Completion;
  isActive: boolean;
}

export interface PromptView {
  text: string;
  cursor: number;
  /** Completion candidates to show under the line, when a Tab found several. */
  hint: string | undefined;
}

export function usePrompt(init: PromptInit): PromptView {
  const editor = useRef(ed.emptyEditor());
  const hint = useRef<string | undefined>(undefined);
  const [, setTick] = useState(0);
  const initRef = useRef(init);
  initRef.current = init;

  const apply = useCallback((next: ed.EditorState, nextHint?: string) => {
    editor.current = next;
    hint.current = nextHint;
    setTick((t) => t + 1);
  }, []);

  const onKey = useCallback(
    (input: string, key: Key) => {
      const { onSubmit, onLeave, onClear, complete } = initRef.current;
      const s = editor.current;
      if (key.ctrl && input === 'c') return onLeave();
      if (key.ctrl && input === 'd') return s.text === '' ? onLeave() : apply(ed.deleteForward(s));
      if (key.return) {
        const { line, state } = ed.submit(s);
        apply(state);
        return onSubmit(line);
      }
      if (key.tab) {
        if (key.shift) return;
        const c = complete(s.text, s.cursor);
        const shown = c.candidates.length > 0 ? c.candidates.join('  ') : undefined;
        return apply({ ...s, text: c.text, cursor: c.cursor }, shown);
      }
      if (key.upArrow) return apply(ed.historyPrev(s));
      if (key.downArrow) return apply(ed.historyNext(s));
      if (key.leftArrow) return apply(ed.left(s));
      if (key.rightArrow) return apply(ed.right(s));
      if (key.home || (key.ctrl && input === 'a')) return apply(ed.home(s));
      if (key.end || (key.ctrl && input === 'e')) return apply(ed.end(s));
      // Ink reports the Backspace key (0x7f) as `delete`; both erase before the cursor.
      if (key.backspace || key.delete) return apply(ed.backspace(s));
      if (key.ctrl && input === 'u') return apply(ed.killToStart(s));
      if (key.ctrl && input === 'w') return apply(ed.killWord(s));
      if (key.ctrl && input === 'k') return apply(ed.killToEnd(s));
      if (key.ctrl && input === 'l') return onClear();
      if (key.ctrl || key.meta || key.escape) return;
      // Fast typing or a paste arrives as one string that may hold Enter, Tab, Backspace and other
      // editing keys too: replay every key in order.
      const burst = replayBurst(s, input, complete);
      apply(burst.state, burst.hint);
      for (const line of burst.submitted) onSubmit(line);
      if (burst.clear) onClear();
    },
    [apply],
  );

  useInput(onKey, { isActive: init.isActive });
  return { text: editor.current.text, cursor: editor.current.cursor, hint: hint.current };
}
