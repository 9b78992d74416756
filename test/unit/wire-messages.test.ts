// Control message codec: every message type accepted in its valid forms and refused in its invalid ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLanmeshError } from '../../src/errors.js';
import { encodeControl } from '../../src/wire/frame.js';
import { MAX_JSON_CONTAINERS, MAX_JSON_SCALARS } from '../../src/wire/json-shape.js';
import {
  MAX_CATALOG_FILES,
  MAX_CHUNKS_PER_REQUEST,
  MAX_CHUNK_SIZE,
  MAX_ERROR_TEXT,
  MAX_FILE_CHUNKS,
  MAX_NAME_LENGTH,
  RESPONSE_TYPE,
  isRequest,
  isResponse,
  parseControl,
  validateControl,
} from '../../src/wire/messages.js';
import type { ControlMessage } from '../../src/wire/messages.js';
import { parseValue, refuses } from '../support/message-asserts.js';

const ID = 'a'.repeat(64);
const PEER = '0123456789abcdef';
const TOKEN = 'f'.repeat(32);
const H = (i: number): string => i.toString(16).padStart(64, '0');
const manifest = { id: ID, name: 'song.mp3', size: 2_500_000, chunkSize: 1_048_576, hashes: [H(1), H(2), H(3)] };

const body = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
const parse = parseValue;

const valid: Array<[string, object]> = [
  ['catalog.get', { t: 'catalog.get', rid: 1 }],
  ['catalog empty', { t: 'catalog', rid: 2, peer: PEER, rev: 0, files: [] }],
  [
    'catalog with full and partial holders',
    {
      t: 'catalog',
      rid: 3,
      peer: PEER,
      rev: 42,
      files: [
        { id: ID, name: 'a.txt', size: 0, chunkSize: 1024 },
        { id: 'b'.repeat(64), name: 'b.bin', size: 9 * 1024, chunkSize: 1024, have: Buffer.from([0xff, 0x80]).toString('base64') },
      ],
    },
  ],
  ['manifest.get', { t: 'manifest.get', rid: 4, id: ID }],
  ['manifest', { t: 'manifest', rid: 5, manifest }],
  ['manifest of a 0-byte file', { t: 'manifest', rid: 5, manifest: { ...manifest, size: 0, hashes: [] } }],
  ['error with rid', { t: 'error', rid: 6, code: 'NOT_FOUND', message: 'no such file' }],
  ['error without rid', { t: 'error', code: 'BUSY', message: '' }],
  ['chunks.get', { t: 'chunks.get', rid: 7, id: ID, chunks: [0, 5, 2], token: TOKEN, port: 9001 }],
  ['chunks.ok', { t: 'chunks.ok', rid: 7 }],
  ['data.hello', { t: 'data.hello', peer: PEER }],
  ['data.hello with id', { t: 'data.hello', peer: PEER, id: ID }],
  ['chunk.missing', { t: 'chunk.missing', token: TOKEN, index: 3 }],
  ['push.offer', { t: 'push.offer', rid: 8, push: TOKEN, from: PEER, port: 9003, manifest }],
  ['push.answer', { t: 'push.answer', rid: 8, verdict: 'held', reason: 'already here' }],
  ['push.report', { t: 'push.report', push: TOKEN, peer: PEER, have: 'oA==', fromOrigin: 1, fromPeers: 1, state: 'running' }],
];

for (const [name, msg] of valid) {
  test(`valid ${name}: round-trips through a control frame`, () => {
    const frame = encodeControl(msg);
    assert.equal(parseControl(frame.subarray(5)), msg);
  });
}

test('unknown extra fields are dropped, known ones kept', () => {
  const got = parse({ t: 'manifest.get', rid: 1, id: ID, extra: 1, __proto__x: 2 });
  assert.equal(got, { t: 'manifest.get', rid: 1, id: ID });
  const m = parse({ t: 'manifest', rid: 1, manifest: { ...manifest, junk: [1, 2] } });
  assert.equal(m, { t: 'manifest', rid: 1, manifest });
});

test('a JSON "__proto__" key does not reach the result', () => {
  const got = parseControl(Buffer.from(`{"t":"catalog.get","rid":1,"__proto__":{"polluted":true}}`));
  assert.equal(Object.keys(got), ['t', 'rid']);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('body that is not UTF-8 JSON of an object', () => {
  for (const raw of ['', 'not json', '[1,2]', 'null', '"catalog.get"', '42', '{"t":"catalog.get","rid":1']) {
    try {
      parseControl(Buffer.from(raw));
      assert.unreachable(`accepted ${raw}`);
    } catch (e) {
      assert.ok(isLanmeshError(e, 'BAD_MESSAGE'), `${raw}: ${String(e)}`);
    }
  }
  const invalidUtf8 = Buffer.concat([Buffer.from('{"t":"error","code":"BUSY","message":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  try {
    parseControl(invalidUtf8);
    assert.unreachable('accepted invalid UTF-8');
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_MESSAGE'));
  }
});

test('deeply nested JSON is refused before parsing, typed, even inside an ignored field', () => {
  // Issue 15 item 6: nesting in an unknown field used to be parsed in full (seconds, hundreds of MB).
  for (const levels of [9, 200_000, 4_000_000]) {
    const deep = '['.repeat(levels) + ']'.repeat(levels);
    try {
      parseControl(Buffer.from(`{"t":"catalog.get","rid":1,"x":${deep}}`));
      assert.unreachable(`accepted ${levels} levels`);
    } catch (e) {
      assert.ok(isLanmeshError(e, 'BAD_MESSAGE') && /nested deeper than 8/.test(e.message), `${levels} levels: ${String(e)}`);
    }
  }
  // The deepest real messages (a catalog: object, files, entry; an offer: object, manifest, hashes) and forward-compatible extras still parse.
  assert.is(parseControl(Buffer.from('{"t":"catalog.get","rid":1,"x":[[[[[[[]]]]]]]}')).t, 'catalog.get');
  assert.is(parseControl(body({ t: 'push.offer', rid: 1, push: TOKEN, from: PEER, port: 1, manifest })).t, 'push.offer');
});

test('a body with too many values, or a large field beside the lists, is refused before parsing', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['4M numbers in an ignored field', `{"t":"catalog.get","rid":1,"x":[${'0,'.repeat(MAX_JSON_SCALARS)}0]}`, /more than \d+ values/],
    ['200k empty arrays', `{"t":"catalog.get","rid":1,"x":[${'[],'.repeat(MAX_JSON_CONTAINERS)}[]]}`, /objects and arrays/],
    ['a 100 KB unknown top-level field', `{"t":"catalog.get","rid":1,"x":"${'a'.repeat(100_000)}"}`, /top-level field of 100002 bytes/],
  ];
  for (const [what, raw, why] of cases) {
    try {
      parseControl(Buffer.from(raw));
      assert.unreachable(`accepted ${what}`);
    } catch (e) {
      assert.ok(isLanmeshError(e, 'BAD_MESSAGE') && why.test(e.message), `${what}: ${String(e)}`);
    }
  }
  // A full page of real catalog entries (long escaped names included) passes the shape check.
  const files = Array.from({ length: 20_000 }, (_, i) => ({ id: H(i), name: `"quoted" \\ name ${i}.txt`, size: 5, chunkSize: 1024 }));
  assert.is((parseControl(body({ t: 'catalog', rid: 1, peer: PEER, rev: 1, files })) as { files: unknown[] }).files.length, 20_000);
});

test('type field', () => {
  refuses({ rid: 1 }, 'missing t');
  refuses({ t: 5, rid: 1 }, 't not a string');
  refuses({ t: 'catalog.put', rid: 1 }, 'unknown t');
  refuses({ t: 'x'.repeat(100), rid: 1 }, 'long t');
  refuses({ t: 'toString', rid: 1 }, 'prototype name as t');
});

test('rid', () => {
  for (const rid of [0, -1, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 2, [1]]) refuses({ t: 'catalog.get', rid }, `rid ${String(rid)}`);
  refuses({ t: 'catalog.get' }, 'missing rid');
  refuses({ t: 'chunks.ok' }, 'chunks.ok without rid');
  refuses({ t: 'push.answer', rid: 'x', verdict: 'accept' }, 'push.answer bad rid');
  refuses({ t: 'error', rid: 0, code: 'BUSY', message: '' }, 'error rid 0');
});

const entry = { id: ID, name: 'a', size: 10, chunkSize: 4 };
const catalog = (files: unknown[], over: object = {}): object => ({ t: 'catalog', rid: 1, peer: PEER, rev: 1, files, ...over });

test('catalog', () => {
  refuses(catalog([], { peer: 'ABCDEF0123456789' }), 'uppercase peer id');
  refuses(catalog([], { peer: '0123456789abcde' }), 'short peer id');
  refuses(catalog([], { rev: -1 }), 'negative rev');
  refuses(catalog([], { rev: '1' }), 'string rev');
  refuses(catalog([], { rev: 1e15 }), 'rev over 15 digits');
  refuses(catalog([], { files: {} }), 'files not an array');
  refuses(catalog(new Array(MAX_CATALOG_FILES + 1).fill(0)), 'too many files');
  refuses(catalog([{ ...entry, id: 'A'.repeat(64) }]), 'uppercase file id');
  refuses(catalog([{ ...entry, id: ID.slice(1) }]), 'short file id');
  refuses(catalog([{ ...entry, name: '' }]), 'empty name');
  refuses(catalog([{ ...entry, name: 'n'.repeat(MAX_NAME_LENGTH + 1) }]), 'long name');
  refuses(catalog([{ ...entry, name: 'a\u0000b' }]), 'NUL in name');
  refuses(catalog([{ ...entry, size: -1 }]), 'negative size');
  refuses(catalog([{ ...entry, size: 1.5 }]), 'fractional size');
  refuses(catalog([{ ...entry, chunkSize: 0 }]), 'chunkSize 0');
  refuses(catalog([{ ...entry, chunkSize: MAX_CHUNK_SIZE + 1 }]), 'chunkSize too big');
  refuses(catalog([{ ...entry, size: (MAX_FILE_CHUNKS + 1) * 4 }]), 'too many chunks');
  refuses(catalog([{ ...entry, have: 'AA==' + 'AA==' }]), 'bitfield too long for 3 chunks');
  refuses(catalog([{ ...entry, have: '' }]), 'bitfield too short');
  refuses(catalog([{ ...entry, have: '!!==' }]), 'bitfield not base64');
  refuses(catalog([{ ...entry, have: 7 }]), 'bitfield not a string');
  refuses(catalog([null]), 'null entry');
  assert.equal(parse(catalog([{ ...entry, name: 'n'.repeat(MAX_NAME_LENGTH), have: 'oA==' }])), catalog([{ ...entry, name: 'n'.repeat(MAX_NAME_LENGTH), have: 'oA==' }]));
  assert.ok(parse(catalog([{ ...entry, size: MAX_FILE_CHUNKS * 4 }])));
});

test('manifest.get and manifest', () => {
  refuses({ t: 'manifest.get', rid: 1 }, 'missing id');
  refuses({ t: 'manifest.get', rid: 1, id: 'g'.repeat(64) }, 'non-hex id');
  refuses({ t: 'manifest', rid: 1 }, 'missing manifest');
  refuses({ t: 'manifest', rid: 1, manifest: [] }, 'manifest is an array');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, hashes: [H(1), H(2)] } }, 'too few hashes');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, hashes: [H(1), H(2), H(3), H(4)] } }, 'too many hashes');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, hashes: [H(1), H(2), 'A'.repeat(64)] } }, 'hash not lowercase');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, hashes: [H(1), H(2), 3] } }, 'hash not a string');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, hashes: 'abc' } }, 'hashes not an array');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, size: 0 } }, '0-byte file with hashes');
  refuses({ t: 'manifest', rid: 1, manifest: { ...manifest, name: undefined } }, 'missing name');
});

test('error', () => {
  refuses({ t: 'error', rid: 1, code: 'TEAPOT', message: 'x' }, 'unknown code');
  refuses({ t: 'error', rid: 1, code: 'not_found', message: 'x' }, 'lowercase code');
  refuses({ t: 'error', rid: 1, code: 'BUSY' }, 'missing message');
  refuses({ t: 'error', rid: 1, code: 'BUSY', message: 'x'.repeat(MAX_ERROR_TEXT + 1) }, 'long message');
  refuses({ t: 'error', rid: 1, code: 'BUSY', message: 5 }, 'message not a string');
});

test('chunks.get', () => {
  const ok = { t: 'chunks.get', rid: 1, id: ID, chunks: [0], token: TOKEN, port: 9000 };
  assert.ok(parse({ ...ok, chunks: Array.from({ length: MAX_CHUNKS_PER_REQUEST }, (_, i) => i) }));
  refuses({ ...ok, chunks: Array.from({ length: MAX_CHUNKS_PER_REQUEST + 1 }, (_, i) => i) }, 'too many chunks');
  refuses({ ...ok, chunks: [1, 1] }, 'duplicate chunk');
  refuses({ ...ok, chunks: [-1] }, 'negative chunk');
  refuses({ ...ok, chunks: [0.5] }, 'fractional chunk');
  refuses({ ...ok, chunks: ['1'] }, 'string chunk');
  refuses({ ...ok, chunks: [MAX_FILE_CHUNKS] }, 'chunk beyond any file');
  refuses({ ...ok, chunks: 3 }, 'chunks not an array');
  refuses({ ...ok, token: 'f'.repeat(31) }, 'short token');
  refuses({ ...ok, token: 'F'.repeat(32) }, 'uppercase token');
  refuses({ ...ok, port: 0 }, 'port 0');
  refuses({ ...ok, port: 65536 }, 'port too big');
  refuses({ ...ok, id: undefined }, 'missing id');
});

test('data.hello and chunk.missing', () => {
  refuses({ t: 'data.hello' }, 'missing peer');
  refuses({ t: 'data.hello', peer: PEER, id: 'x' }, 'bad id');
  refuses({ t: 'chunk.missing', token: TOKEN }, 'missing index');
  refuses({ t: 'chunk.missing', token: TOKEN, index: -1 }, 'negative index');
  refuses({ t: 'chunk.missing', token: 'zz', index: 1 }, 'bad token');
});

test('requests, responses and the response each request expects', () => {
  const kinds = valid.map(([, v]) => {
    const m = v as ControlMessage;
    return `${m.t}:${isRequest(m) ? 'req' : isResponse(m) ? 'res' : 'other'}`;
  });
  assert.equal(kinds, [
    'catalog.get:req', 'catalog:res', 'catalog:res', 'manifest.get:req', 'manifest:res', 'manifest:res',
    'error:res', 'error:other', 'chunks.get:req', 'chunks.ok:res', 'data.hello:other', 'data.hello:other',
    'chunk.missing:other', 'push.offer:req', 'push.answer:res', 'push.report:other',
  ]);
  assert.equal(RESPONSE_TYPE, {
    'catalog.get': 'catalog',
    'manifest.get': 'manifest',
    'chunks.get': 'chunks.ok',
    'files.get': 'chunks.ok',
    'push.offer': 'push.answer',
    hello: 'hello.ok',
  });
});

test('the largest manifest allowed fits in one control frame', () => {
  const size = MAX_FILE_CHUNKS * MAX_CHUNK_SIZE;
  const name = '\u0001'.repeat(MAX_NAME_LENGTH);
  const hashes = Array.from({ length: MAX_FILE_CHUNKS }, (_, i) => H(i));
  const msg = { t: 'push.offer', rid: Number.MAX_SAFE_INTEGER, push: TOKEN, from: PEER, port: 65535, manifest: { id: ID, name, size, chunkSize: MAX_CHUNK_SIZE, hashes } };
  const frame = encodeControl(msg);
  assert.equal(parseControl(frame.subarray(5)), msg);
});

test('validateControl checks objects we are about to send, too', () => {
  assert.equal(validateControl({ t: 'chunks.ok', rid: 3 }), { t: 'chunks.ok', rid: 3 });
  try {
    validateControl({ t: 'chunks.get', rid: 1, id: ID, chunks: [], token: 'short', port: 1 });
    assert.unreachable('accepted a bad token');
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_MESSAGE'));
    assert.match((e as Error).message, 'chunks.get.token');
  }
});

test.run();
