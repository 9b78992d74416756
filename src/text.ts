// Text from the network shown to a user: control characters (a newline would end a line-mode
// answer early, an escape would drive the terminal) and bidi overrides (they can disguise an
// extension) never reach a screen or a script.

// eslint-disable-next-line no-control-regex
export const UNPRINTABLE_RE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The string with every unprintable character replaced by U+FFFD. */
export const printable = (s: string): string => s.replace(UNPRINTABLE_RE, '\uFFFD');

/** The string without its unprintable characters (a file name made from remote text: nothing to replace them with). */
export const withoutUnprintable = (s: string): string => s.replace(UNPRINTABLE_RE, '');
/**
 * Remote text quoted inside a message (a warning, an error): printable, cut to `max` characters,
 * in double quotes with quotes and backslashes escaped, so it can never pass for our own words.
 */
export function quoted(s: string, max = 80): string {
  const cut = [...s].length > max ? `${[...s].slice(0, max).join('')}…` : s;
  return JSON.stringify(printable(cut));
}
