// Pure tab completion: the first word completes to a command, the rest of the line to a file name
// on the mesh (names may hold spaces: the command layer takes everything after the command word).

export interface CompletionSources {
  commands: readonly string[];
  files: readonly string[];
}

export interface Completion {
  text: string;
  cursor: number;
  /** Every match when more than one remains (shown as a hint); empty otherwise. */
  candidates: string[];
}

function commonPrefix(words: string[]): string {
  if (words.length === 0) return '';
  let p = words[0]!;
  for (const w of words.slice(1)) {
    let i = 0;
    while (i < p.length && i < w.length && p[i] === w[i]) i++;
    p = p.slice(0, i);
  }
  return p;
}

/** Case-sensitive prefix matches first; if none, case-insensitive ones. */
function matches(prefix: string, words: readonly string[]): string[] {
  const unique = [...new Set(words)].sort((a, b) => a.localeCompare(b));
  const exact = unique.filter((w) => w.startsWith(prefix));
  if (exact.length > 0) return exact;
  const lower = prefix.toLowerCase();
  return unique.filter((w) => w.toLowerCase().startsWith(lower));
}

/** Completes the text before the cursor; what follows the cursor is kept as it is. */
export function complete(text: string, cursor: number, sources: CompletionSources): Completion {
  const before = text.slice(0, cursor);
  const after = text.slice(cursor);
  const lead = /^\s*/.exec(before)![0];
  const body = before.slice(lead.length);
  const space = body.search(/\s/);

  let stem: string;
  let word: string;
  let found: string[];
  let suffix: string;
  if (space < 0) {
    stem = lead;
    word = body;
    found = matches(word, sources.commands);
    suffix = ' ';
  } else {
    const argStart = lead.length + space + (/^\s*/.exec(body.slice(space))![0].length);
    stem = before.slice(0, argStart);
    word = before.slice(argStart);
    // Paths complete one folder at a time: `docs/` first, then `docs/lab/`, then the file.
    found = [...new Set(matches(word, sources.files).map((f) => {
      const slash = f.indexOf('/', word.length);
      return slash < 0 ? f : f.slice(0, slash + 1);
    }))];
    // `docs/` typed whole: what is inside it is what is left to choose from.
    if (found.length > 1) found = found.filter((f) => f !== word);
    suffix = '';
  }
  if (found.length === 0) return { text, cursor, candidates: [] };
  const completed = found.length === 1 ? found[0]! + (after.startsWith(' ') ? '' : suffix) : commonPrefix(found);
  // A case-insensitive common prefix can be shorter than what was typed: keep the typed word then.
  const next = completed.length >= word.length ? completed : word;
  const head = stem + next;
  return { text: head + after, cursor: head.length, candidates: found.length > 1 ? found : [] };
}
