// Chunk math and content-id vectors (ids computed independently with sha256sum from PROTOCOL.md's text).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildManifest,
  chunkCount,
  chunkRange,
  computeFileId,
  sha256Hex,
  verifyManifest,
} from '../../src/store/manifest.js';
import { DEFAULT_CHUNK_SIZE } from '../../src/types.js';
import { isLanmeshError } from '../../src/errors.js';

const H = {
  a: 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb',
  abcd: '88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589',
  efgh: 'e5e088a0b66163a0a26a5e053d2a4496dc16ab6e0e3dd1adf2d16aa84a078c9d',
  i: 'de7d1b721a1e0632b7cf04edf5032c8ecffa9f9a08492152b926f1a5a7e765d7',
};

test('chunkCount: 0 bytes, 1 byte, exact multiple, multiple + 1', () => {
  assert.is(chunkCount(0, 4), 0);
  assert.is(chunkCount(1, 4), 1);
  assert.is(chunkCount(8, 4), 2);
  assert.is(chunkCount(9, 4), 3);
  assert.is(chunkCount(DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE), 1);
  assert.is(chunkCount(DEFAULT_CHUNK_SIZE + 1, DEFAULT_CHUNK_SIZE), 2);
  assert.is(chunkCount(Number.MAX_SAFE_INTEGER, 1024 * 1024), Math.ceil(Number.MAX_SAFE_INTEGER / 1048576));
});

test('chunkCount rejects bad geometry', () => {
  for (const [size, cs] of [[-1, 4], [1.5, 4], [4, 0], [4, -4], [4, 2.5], [NaN, 4], [4, 64 * 1024 * 1024]] as const) {
    assert.throws(() => chunkCount(size, cs), (e: unknown) => isLanmeshError(e, 'BAD_MESSAGE'), `${size}/${cs}`);
  }
});

test('chunkRange: last chunk shorter, out of range is NOT_FOUND', () => {
  assert.equal(chunkRange(0, 9, 4), { start: 0, end: 4 });
  assert.equal(chunkRange(1, 9, 4), { start: 4, end: 8 });
  assert.equal(chunkRange(2, 9, 4), { start: 8, end: 9 });
  assert.equal(chunkRange(1, 8, 4), { start: 4, end: 8 });
  for (const i of [-1, 3, 1.5, NaN]) {
    assert.throws(() => chunkRange(i, 9, 4), (e: unknown) => isLanmeshError(e, 'NOT_FOUND'));
  }
  assert.throws(() => chunkRange(0, 0, 4), (e: unknown) => isLanmeshError(e, 'NOT_FOUND'));
});

test('sha256Hex', () => {
  assert.is(sha256Hex(Buffer.from('a')), H.a);
  assert.is(sha256Hex('abcd'), H.abcd);
});

test('file id vectors (0 bytes, 1 byte, exact multiple, multiple + 1)', () => {
  assert.is(computeFileId(0, DEFAULT_CHUNK_SIZE, []), '07a3122adfb98c9de2cf8fd05d576d670d3c77f4ff00f9ed770b953e72730f6e');
  assert.is(computeFileId(1, DEFAULT_CHUNK_SIZE, [H.a]), '2580cc0429ac5897abf2bc66a96bd08311171f0bd9e29550f4f7bc79966347bb');
  assert.is(computeFileId(8, 4, [H.abcd, H.efgh]), '4c383577aab94bb02d7e1e37764ecba13ffbb6461bc16a6d1fa4cbb22711c808');
  assert.is(computeFileId(9, 4, [H.abcd, H.efgh, H.i]), '76027c352b8cf80cc191902dc996c04fbf7661dd493b877b4581758b81d84566');
});

test('buildManifest: name is not part of the id; hashes are copied', () => {
  const hashes = [H.abcd, H.efgh];
  const a = buildManifest('a.txt', 8, 4, hashes);
  const b = buildManifest('other name.bin', 8, 4, hashes);
  assert.is(a.id, b.id);
  assert.is(a.name, 'a.txt');
  hashes.push(H.i);
  assert.is(a.hashes.length, 2);
  assert.ok(verifyManifest(a));
});

test('buildManifest rejects a wrong hash count or malformed hashes', () => {
  assert.throws(() => buildManifest('x', 9, 4, [H.abcd, H.efgh]), (e: unknown) => isLanmeshError(e, 'BAD_MESSAGE'));
  assert.throws(() => buildManifest('x', 1, 4, [H.a.toUpperCase()]), (e: unknown) => isLanmeshError(e, 'BAD_MESSAGE'));
});

test('verifyManifest: id, count and shape checked; never throws', () => {
  const good = buildManifest('f', 9, 4, [H.abcd, H.efgh, H.i]);
  assert.ok(verifyManifest(good));
  assert.ok(verifyManifest(buildManifest('empty', 0, 4, [])));
  const bad: unknown[] = [
    { ...good, id: good.id.replace(/^./, (c) => (c === '0' ? '1' : '0')) },
    { ...good, size: 8 },
    { ...good, size: 13 },
    { ...good, hashes: good.hashes.slice(0, 2) },
    { ...good, hashes: [H.abcd, H.i, H.efgh] },
    { ...good, chunkSize: 0 },
    { ...good, chunkSize: '4' },
    { ...good, name: 7 },
    { ...good, hashes: 'nope' },
    { ...good, size: -1 },
    null,
    'manifest',
    42,
    {},
  ];
  for (const m of bad) assert.not.ok(verifyManifest(m), JSON.stringify(m)?.slice(0, 80));
});

test.run();
