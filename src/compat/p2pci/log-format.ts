// Turns index-server log events into the readable, optionally coloured lines the CLI prints
// (requests and responses shown as sent, one indented line each). Pure.
import type { IndexLogEntry } from './index-server.js';

const ANSI = { dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
type Colour = keyof typeof ANSI;

/** Lines come from the network: control characters are shown as \xNN, never sent to the terminal. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatIndexLog(e: IndexLogEntry, { color = false }: { color?: boolean } = {}): string {
  const paint = (c: Colour, s: string) => (color ? `\u001b[${ANSI[c]}m${s}\u001b[0m` : s);
  const time = paint('dim', new Date(e.at).toISOString().slice(11, 23));
  const who = (conn: number, remote: string) => paint('cyan', `#${conn} ${remote}`);
  const body = (lines: string[], c: Colour) => lines.map((l) => `\n    ${paint(c, visible(l))}`).join('');
  switch (e.kind) {
    case 'listening':
      return `${time} ${paint('green', `index server listening on ${e.host}:${e.port}`)}`;
    case 'connect':
      return `${time} ${who(e.conn, e.remote)} ${paint('green', 'connected')}`;
    case 'refused':
      return `${time} ${paint('cyan', e.remote)} ${paint('red', `refused (${visible(e.reason)})`)}`;
    case 'request':
      return `${time} ${who(e.conn, e.remote)} ${paint('blue', '→ request')}${body(e.lines, 'blue')}`;
    case 'response': {
      const c: Colour = e.code === 200 ? 'green' : e.code === 404 ? 'yellow' : 'red';
      const why = e.reason ? ` (${visible(e.reason)})` : '';
      return `${time} ${who(e.conn, e.remote)} ${paint(c, `← ${e.code}${why}`)}${body(e.lines, c)}`;
    }
    case 'disconnect': {
      const n = `${e.removed} record${e.removed === 1 ? '' : 's'} removed`;
      return `${time} ${who(e.conn, e.remote)} ${paint('magenta', `disconnected (${visible(e.reason)}), ${n}`)}`;
    }
  }
}
