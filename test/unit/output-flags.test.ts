import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { outputLevel } from '../../src/cli/output-flags.js';
import { LanmeshError } from '../../src/errors.js';

test('output level: normal by default, quiet, verbose, never both', () => {
  assert.is(outputLevel({}), 'normal');
  assert.is(outputLevel({ quiet: true }), 'quiet');
  assert.is(outputLevel({ verbose: true }), 'verbose');
  assert.is(outputLevel({ quiet: false, verbose: false }), 'normal');
  assert.throws(() => outputLevel({ quiet: true, verbose: true }), (e: unknown) => e instanceof LanmeshError && e.code === 'BAD_CONFIG');
});

test.run();
