import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  parseHostPort, parseIndexConfig, parseIndexServerConfig, parseRfcList, splitRfcWords,
} from '../../src/cli/index-flags.js';
import { isLanmeshError } from '../../src/errors.js';

function throwsConfig(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_CONFIG'), String(e));
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected BAD_CONFIG matching ${re}`);
}

test('--index HOST[:PORT]: default port 7734, IPv6 in brackets, bad forms refused', () => {
  assert.equal(parseHostPort('10.0.0.5'), { host: '10.0.0.5', port: 7734 });
  assert.equal(parseHostPort('index.lab:9000'), { host: 'index.lab', port: 9000 });
  assert.equal(parseHostPort('[::1]:7000'), { host: '::1', port: 7000 });
  assert.equal(parseHostPort('[fe80::1]'), { host: 'fe80::1', port: 7734 });
  for (const bad of ['', 'a:b:c', 'host:', 'host:0', 'host:65536', 'two words']) throwsConfig(() => parseHostPort(bad), /--index/);
});

test('--rfc: repeated, comma lists, rfc prefix, the words after a single --rfc; duplicates once', () => {
  assert.equal(parseRfcList(['791', '793,768', 'RFC2616'], ['791', '9']), [791, 793, 768, 2616, 9]);
  throwsConfig(() => parseRfcList(['seven']), /--rfc takes RFC numbers, got 'seven'/);
  assert.equal(splitRfcWords(['793', '768'], { rfc: ['791'] }), { words: [], extraRfcs: ['793', '768'] });
  assert.equal(splitRfcWords(['793'], {}), { words: ['793'], extraRfcs: [] });
  assert.equal(splitRfcWords(['list'], { rfc: ['791'] }), { words: ['list'], extraRfcs: [] });
});

test('peer flags: index options, mdns, and the combinations that make no sense', () => {
  assert.equal(parseIndexConfig({ mdns: true }), { mdns: true });
  assert.equal(parseIndexConfig({ index: '127.0.0.1:7000', mdns: false, rfc: ['791'], advertiseHost: 'pc1' }, ['793']), {
    index: { host: '127.0.0.1', port: 7000, advertiseHost: 'pc1', rfcs: [791, 793] },
    mdns: false,
  });
  assert.equal(parseIndexConfig({ index: 'idx', mdns: true, rfc: [] }), {
    index: { host: 'idx', port: 7734, advertiseHost: undefined, rfcs: undefined },
    mdns: true,
  });
  throwsConfig(() => parseIndexConfig({ mdns: false }), /^--no-mdns goes with --index/);
  throwsConfig(() => parseIndexConfig({ advertiseHost: 'x' }), /^--advertise-host goes with --index/);
  throwsConfig(() => parseIndexConfig({ index: 'h', advertiseHost: 'two words' }), /--advertise-host must be one word/);
  // Our own index server refuses such a Host with 400: the flag says so up front.
  throwsConfig(() => parseIndexConfig({ index: 'h', advertiseHost: 'evil\x01' }), /--advertise-host must be one word .*control characters/);
  throwsConfig(() => parseIndexConfig({ index: 'h', advertiseHost: 'ev\u009bil' }), /--advertise-host must be one word/);
  throwsConfig(() => parseIndexConfig({ index: 'h', port: '1' }), /^--port goes with lanmesh index-server$/);
});

test('index-server flags: defaults, range, no peer flags', () => {
  assert.equal(parseIndexServerConfig({ mdns: true }, []), { port: 7734, host: '0.0.0.0', quiet: false });
  assert.equal(parseIndexServerConfig({ port: '0', host: '127.0.0.1', quiet: true, mdns: true }, []), { port: 0, host: '127.0.0.1', quiet: true });
  throwsConfig(() => parseIndexServerConfig({ port: '70000' }, []), /^--port must be 0 to 65535, got 70000$/);
  for (const bad of ['abc', '', '-1', '80x', '1.5']) {
    throwsConfig(() => parseIndexServerConfig({ port: bad }, []), new RegExp(`^--port must be a number 0 to 65535, got '${bad.replace('.', '\\.')}'$`));
  }
  throwsConfig(() => parseIndexServerConfig({ index: 'h' }, []), /^--index does not go with index-server/);
  throwsConfig(() => parseIndexServerConfig({ mdns: false }, []), /^--no-mdns does not go with index-server/);
  throwsConfig(() => parseIndexServerConfig({}, ['transfer-port']), /^--transfer-port does not go with index-server/);
});

test.run();
