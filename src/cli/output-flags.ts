// Pure: --quiet / --verbose → how much a peer or a one-shot command prints (README "Output levels").
import { LanmeshError } from '../errors.js';

/** meow flag definitions (spread into cli.ts's flags). */
export const OUTPUT_FLAGS = {
  quiet: { type: 'boolean', shortFlag: 'q' },
  verbose: { type: 'boolean' },
} as const;

/**
 * quiet: answers, results and warnings only (no peer up/down, progress or upload lines, no stderr status line);
 * verbose: also every debug line of every module, on stderr.
 */
export type OutputLevel = 'quiet' | 'normal' | 'verbose';

export function outputLevel(flags: { quiet?: boolean; verbose?: boolean }): OutputLevel {
  if (flags.quiet && flags.verbose) throw new LanmeshError('BAD_CONFIG', '--quiet and --verbose do not go together');
  return flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal';
}
