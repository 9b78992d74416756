// The real terminal UI in tmux, the tmux server inside a host's namespace (so the TUI's multicast stays
// on the LAN): types like a user and reads what tmux shows (capture-pane).
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { inNetns, lanUnavailableReason, type LanHost } from './lan.js';
import { waitFor } from './with-timeout.js';

const execFileP = promisify(execFile);

export function tmuxSkipReason(): string | undefined {
  const lan = lanUnavailableReason();
  if (lan) return lan;
  if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) return 'needs tmux';
  return undefined;
}

export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One tmux server with one session, started inside a host's namespace; kill() is idempotent. */
export class TmuxTui {
  #killed = false;
  #onExit = () => this.killSync();
  private constructor(readonly socket: string) {
    // The server daemonizes out of our process group: make sure it dies with us.
    process.once('exit', this.#onExit);
  }

  static async start(host: LanHost, socket: string, command: string, cols: number, rows: number): Promise<TmuxTui> {
    const t = new TmuxTui(socket);
    // CI in the environment makes Ink print only its final frame; TERM gives it a real terminal.
    const argv = inNetns(host, [
      'env', '-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION', 'TERM=xterm-256color',
      'tmux', '-S', socket, '-f', '/dev/null', 'new-session', '-d', '-x', String(cols), '-y', String(rows), '-s', 'tui', command,
    ]);
    await execFileP(argv[0]!, argv.slice(1));
    return t;
  }

  async screen(): Promise<string> {
    const { stdout } = await execFileP('tmux', ['-S', this.socket, 'capture-pane', '-p', '-t', 'tui']);
    return stdout.replace(/\s+$/, '');
  }

  /** The screen with its colour and style escapes (capture-pane -e). */
  async styledScreen(): Promise<string> {
    const { stdout } = await execFileP('tmux', ['-S', this.socket, 'capture-pane', '-p', '-e', '-t', 'tui']);
    return stdout;
  }

  async type(text: string): Promise<void> {
    await execFileP('tmux', ['-S', this.socket, 'send-keys', '-t', 'tui', '-l', text]);
  }

  async resize(columns: number, rows: number): Promise<void> {
    await execFileP('tmux', ['-S', this.socket, 'resize-window', '-t', 'tui', '-x', String(columns), '-y', String(rows)]);
  }

  async key(...keys: string[]): Promise<void> {
    await execFileP('tmux', ['-S', this.socket, 'send-keys', '-t', 'tui', ...keys]);
  }

  /** Polls the screen until `test` holds; the failure shows the last screen. */
  async waitScreen(test: (s: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(async () => ((last = await this.screen()), test(last) ? last : undefined), { timeoutMs, intervalMs: 100, what });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${last}`);
    }
  }

  killSync(): void {
    if (this.#killed) return;
    this.#killed = true;
    process.off('exit', this.#onExit);
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}
