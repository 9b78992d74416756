import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePeerConfig } from '../../src/config.js';
import { isLanmeshError } from '../../src/errors.js';

const bad = (flags: Parameters<typeof parsePeerConfig>[0], re: RegExp) => {
  try {
    parsePeerConfig(flags, '/home/u');
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_CONFIG'));
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('should have thrown');
};

test('dir defaults to the current folder and resolves relative paths', () => {
  assert.equal(parsePeerConfig({ transferPort: 9001 }, '/home/u/peer1'), { dir: '/home/u/peer1', port: 9001, name: undefined, accept: 'all' });
  assert.is(parsePeerConfig({ transferPort: 9001, accept: 'none' }, '/x').accept, 'none');
  assert.is(parsePeerConfig({ transferPort: 9001, dir: 'peer2' }, '/home/u').dir, '/home/u/peer2');
  assert.is(parsePeerConfig({ transferPort: 9001, name: ' lab ' }, '/x').name, 'lab');
});

test('bad ports and names are clear errors', () => {
  bad({}, /missing -t/);
  bad({ transferPort: NaN }, /whole number/);
  bad({ transferPort: 65533 }, /whole number from 1 to 65532/);
  bad({ transferPort: -1 }, /whole number/);
  bad({ transferPort: 9001.5 }, /whole number/);
  bad({ transferPort: 9001, name: '  ' }, /--name/);
  bad({ transferPort: 9001, name: 'x'.repeat(64) }, /--name/);
  bad({ transferPort: 9001, accept: 'maybe' }, /--accept must be all, none or ask/);
  bad({ transferPort: 9001, accept: 'ask', askTimeout: 0 }, /--ask-timeout must be/);
  bad({ transferPort: 9001, accept: 'all', askTimeout: 5 }, /--ask-timeout goes with --accept ask/);
});

test.run();
