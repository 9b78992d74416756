// `--accept ask`: the offers waiting for this peer's user, oldest first. Line mode answers the oldest
// with a typed y/n; the terminal UI shows the oldest as a prompt. The push layer times each one out.
import type { PushQuestion, PushQuestionEnd } from '../push/push-service.js';
import { formatBytes } from './text.js';

const YES = new Set(['y', 'yes']);
const NO = new Set(['n', 'no']);

/** true / false for a y/n word (any case), undefined for anything else. */
export function yesNo(text: string): boolean | undefined {
  const w = text.trim().toLowerCase();
  return YES.has(w) ? true : NO.has(w) ? false : undefined;
}

/**
 * The answer in keys the terminal UI read at once: the first y or n among them (any case). A busy
 * terminal delivers keys typed in quick succession ("xy", "no") as one read, so the whole read is
 * not one word.
 */
export function keyAnswer(keys: string): boolean | undefined {
  for (const ch of keys) {
    const yes = yesNo(ch);
    if (yes !== undefined) return yes;
  }
  return undefined;
}

export function formatQuestion(q: PushQuestion): string {
  return `${q.origin} pushes ${q.name} (${formatBytes(q.size)}): accept it? y/n (refused in ${Math.round(q.timeoutMs / 1000)} s)`;
}

export function formatAnswer(q: PushQuestion, yes: boolean): string {
  return yes ? `accepted ${q.name} from ${q.origin}` : `refused ${q.name} from ${q.origin}`;
}

export function formatQuestionEnd(q: PushQuestion, end: PushQuestionEnd): string | undefined {
  return end.outcome === 'timeout' ? `no answer for ${q.name} from ${q.origin}: refused` : undefined;
}

export class PushQuestions {
  private readonly waiting: PushQuestion[] = [];

  add(q: PushQuestion): void {
    this.waiting.push(q);
  }

  /** The question `end` names is over (answered here or elsewhere, or timed out); it, if it was waiting. */
  end(end: PushQuestionEnd): PushQuestion | undefined {
    const at = this.waiting.findIndex((q) => q.key === end.key);
    return at < 0 ? undefined : this.waiting.splice(at, 1)[0];
  }

  get oldest(): PushQuestion | undefined {
    return this.waiting[0];
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Answers the oldest question; the answer's line, or undefined when none waits. */
  answer(yes: boolean): string | undefined {
    const q = this.waiting.shift();
    if (!q) return undefined;
    q.answer(yes);
    return formatAnswer(q, yes);
  }

  clear(): void {
    this.waiting.length = 0;
  }
}
