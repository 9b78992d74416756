// Runs the terminal UI on a started peer until the user leaves (exit, Ctrl+C, Ctrl+D, or a signal);
// resolves after the peer has stopped, so the goodbye is out before the process ends.
import { render } from 'ink';
import type { Peer } from '../peer.js';
import { App } from './App.js';
import { createPeerFacade } from './peer-facade.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Cursor home, erase to the end of the screen. */
const WIPE_SCREEN = '\u001b[H\u001b[J';

/**
 * When the terminal gets narrower it re-wraps the live panel's old lines, so Ink's "erase the last
 * N lines" misses some and the panel shows up twice. Runs before Ink's own resize handler: it wipes
 * the visible screen so Ink redraws the panel at the top (the output above stays in the scrollback).
 */
function wipeOnShrink(stdout: NodeJS.WriteStream): () => void {
  let columns = stdout.columns;
  const onResize = () => {
    if (stdout.columns < columns) stdout.write(WIPE_SCREEN);
    columns = stdout.columns;
  };
  stdout.prependListener('resize', onResize);
  return () => stdout.off('resize', onResize);
}

export async function runTui(peer: Peer, opts: { quiet?: boolean } = {}): Promise<void> {
  const facade = createPeerFacade(peer, { quiet: opts.quiet });
  const leave = new AbortController();
  const onSignal = () => leave.abort();
  for (const s of SIGNALS) process.on(s, onSignal);
  const unwipe = wipeOnShrink(process.stdout);
  try {
    const instance = render(<App facade={facade} leaveSignal={leave.signal} />, {
      exitOnCtrlC: false,
      patchConsole: true,
      // Ink 6.8's incrementalRendering leaves stale lines behind when <Static> output is added, so the
      // panel is redrawn whole; it is small, throttled (use-peer-state) and sent as one synchronized write.
      maxFps: 20,
    });
    await instance.waitUntilExit();
  } finally {
    unwipe();
    for (const s of SIGNALS) process.off(s, onSignal);
    facade.close();
    await peer.stop();
  }
}
