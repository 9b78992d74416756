// Frame codec: round trips at every size that matters, each malformed header, and a seeded fuzz loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LanmeshError, isLanmeshError } from '../../src/errors.js';
import {
  FRAME_CHUNK,
  FRAME_CONTROL,
  FrameDecoder,
  IN_PLACE_MAX,
  MAX_CHUNK_DATA,
  MAX_CHUNK_INDEX,
  MAX_CONTROL,
  MAX_FRAME,
  encodeChunk,
  encodeChunkHeader,
  encodeControl,
  looksLikeP2pci,
} from '../../src/wire/frame.js';
import type { Frame } from '../../src/wire/frame.js';
import { withTimeout } from '../support/with-timeout.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0;
  return b;
}

/** Feed `wire` to a fresh decoder in slices of the given sizes (cycled). */
function decodeSliced(wire: Buffer, sizes: number[]): Frame[] {
  const d = new FrameDecoder();
  const out: Frame[] = [];
  let at = 0;
  for (let i = 0; at < wire.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(...d.push(wire.subarray(at, at + n)));
    at += n;
  }
  assert.is(d.bufferedBytes, 0, 'nothing left over');
  return out;
}

function header(length: number, type?: number): Buffer {
  const b = Buffer.alloc(type === undefined ? 4 : 5);
  b.writeUInt32BE(length, 0);
  if (type !== undefined) b[4] = type;
  return b;
}

function throwsCode(fn: () => unknown, code: string): LanmeshError {
  try {
    fn();
  } catch (e) {
    assert.ok(isLanmeshError(e), `expected LanmeshError, got ${String(e)}`);
    assert.is((e as LanmeshError).code, code, (e as Error).message);
    return e as LanmeshError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

const token = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

test('constants match docs/PROTOCOL.md', () => {
  assert.is(MAX_FRAME, 16 * 1024 * 1024 + 1024);
  assert.is(MAX_CONTROL, 8 * 1024 * 1024);
  assert.is(FRAME_CONTROL, 1);
  assert.is(FRAME_CHUNK, 2);
  assert.is(MAX_CHUNK_DATA, MAX_FRAME - 1 - 16 - 4);
});

test('control frame layout', () => {
  const wire = encodeControl({ t: 'catalog.get', rid: 1 });
  const json = '{"t":"catalog.get","rid":1}';
  assert.is(wire.readUInt32BE(0), 1 + json.length);
  assert.is(wire[4], FRAME_CONTROL);
  assert.is(wire.subarray(5).toString('utf8'), json);
});

test('chunk frame layout; header + data equals encodeChunk', () => {
  const data = Buffer.from('hello');
  const wire = encodeChunk(token, 7, data);
  assert.is(wire.readUInt32BE(0), 1 + 16 + 4 + 5);
  assert.is(wire[4], FRAME_CHUNK);
  assert.equal(wire.subarray(5, 21), token);
  assert.is(wire.readUInt32BE(21), 7);
  assert.is(wire.subarray(25).toString(), 'hello');
  assert.equal(Buffer.concat([encodeChunkHeader(token, 7, data.length), data]), wire);
});

const controlCases: Array<[string, object]> = [
  ['small', { t: 'catalog.get', rid: 1 }],
  ['unicode', { t: 'x', name: 'ünïcødé 文件 🚀' }],
  ['empty object', {}],
  ['64 KiB', { t: 'x', pad: 'a'.repeat(65536) }],
];
for (const [name, msg] of controlCases) {
  test(`control round trip: ${name} (whole, 1-byte and 7-byte slices)`, () => {
    const wire = encodeControl(msg);
    for (const sizes of [[wire.length], [1], [7], [3, 1, 4096]]) {
      if (sizes[0] === 1 && wire.length > 5000) continue;
      const frames = decodeSliced(wire, sizes);
      assert.is(frames.length, 1);
      const f = frames[0];
      assert.is(f.kind, 'control');
      if (f.kind === 'control') assert.equal(JSON.parse(f.body.toString('utf8')), msg);
    }
  });
}

test('control body of exactly MAX_CONTROL bytes round-trips; one more is refused', () => {
  const overhead = JSON.stringify({ p: '' }).length;
  const msg = { p: 'x'.repeat(MAX_CONTROL - overhead) };
  const wire = encodeControl(msg);
  assert.is(wire.length, 5 + MAX_CONTROL);
  const frames = decodeSliced(wire, [65536, 1, 99999]);
  assert.is(frames.length, 1);
  assert.is(frames[0].kind === 'control' && frames[0].body.length, MAX_CONTROL);
  throwsCode(() => encodeControl({ p: 'x'.repeat(MAX_CONTROL - overhead + 1) }), 'FRAME_TOO_LARGE');
});

const chunkCases: Array<[string, number, number]> = [
  ['0-byte data', 0, 0],
  ['1 byte', 1, 1],
  ['1 MiB', 1024 * 1024, 12345],
  ['max index', 10, MAX_CHUNK_INDEX],
  ['MAX_CHUNK_DATA', MAX_CHUNK_DATA, 3],
];
for (const [name, size, index] of chunkCases) {
  test(`chunk round trip: ${name}`, () => {
    const rand = mulberry32(size + index);
    const data = randomBytes(rand, Math.min(size, 4096));
    const full = size > data.length ? Buffer.alloc(size, data) : data;
    const wire = encodeChunk(token, index, full);
    for (const sizes of [[wire.length], [65536], [5, 1, 20, 3, 100000]]) {
      const frames = decodeSliced(wire, sizes);
      assert.is(frames.length, 1);
      const f = frames[0];
      assert.ok(f.kind === 'chunk');
      if (f.kind !== 'chunk') return;
      assert.equal(f.token, token);
      assert.is(f.index, index);
      assert.is(f.data.length, size);
      assert.ok(f.data.equals(full), 'data byte-exact');
    }
  });
}

test('encodeChunkHeader refuses bad token, index and size', () => {
  throwsCode(() => encodeChunkHeader(Buffer.alloc(15), 0, 0), 'BAD_FRAME');
  throwsCode(() => encodeChunkHeader(token, -1, 0), 'BAD_FRAME');
  throwsCode(() => encodeChunkHeader(token, MAX_CHUNK_INDEX + 1, 0), 'BAD_FRAME');
  throwsCode(() => encodeChunkHeader(token, 1.5, 0), 'BAD_FRAME');
  throwsCode(() => encodeChunkHeader(token, 0, MAX_CHUNK_DATA + 1), 'FRAME_TOO_LARGE');
});

test('encodeControl refuses values JSON cannot carry', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  throwsCode(() => encodeControl(circular), 'BAD_MESSAGE');
  throwsCode(() => encodeControl({ n: 1n }), 'BAD_MESSAGE');
});

test('several frames in one slice, and a frame split across many', () => {
  const a = encodeControl({ t: 'a' });
  const b = encodeChunk(token, 1, Buffer.from('bb'));
  const c = encodeChunk(token, 2, Buffer.alloc(0));
  const d = encodeControl({ t: 'd' });
  const wire = Buffer.concat([a, b, c, d]);
  for (const sizes of [[wire.length], [1], [2], [6, 30]]) {
    const frames = decodeSliced(wire, sizes);
    assert.equal(
      frames.map((f) => (f.kind === 'chunk' ? `chunk${f.index}:${f.data.toString()}` : f.body.toString())),
      ['{"t":"a"}', 'chunk1:bb', 'chunk2:', '{"t":"d"}'],
    );
  }
});

test('truncated frame: no frame yet, bytes held', () => {
  const wire = encodeControl({ t: 'x', pad: 'abc' });
  const d = new FrameDecoder();
  assert.equal(d.push(wire.subarray(0, wire.length - 1)), []);
  assert.is(d.bufferedBytes, wire.length - 1);
  assert.is(d.push(wire.subarray(wire.length - 1)).length, 1);
  assert.is(d.bufferedBytes, 0);
});

test('oversized length throws on its 4 bytes, before buffering any body', () => {
  for (const length of [MAX_FRAME + 1, 0x7fffffff, 0xffffffff]) {
    const d = new FrameDecoder();
    const err = throwsCode(() => d.push(header(length)), 'FRAME_TOO_LARGE');
    assert.match(err.message, String(length));
    assert.is(d.bufferedBytes, 0);
  }
  const split = new FrameDecoder();
  assert.equal(split.push(header(MAX_FRAME + 1).subarray(0, 3)), []);
  throwsCode(() => split.push(Buffer.from([0x01])), 'FRAME_TOO_LARGE');
});

test('length MAX_FRAME is accepted for a chunk frame; a control frame over MAX_CONTROL is refused', () => {
  const d = new FrameDecoder();
  assert.equal(d.push(header(MAX_FRAME, FRAME_CHUNK)), []);
  assert.is(d.bufferedBytes, 5);
  throwsCode(() => new FrameDecoder().push(header(MAX_CONTROL + 2, FRAME_CONTROL)), 'FRAME_TOO_LARGE');
  assert.equal(new FrameDecoder().push(header(MAX_CONTROL + 1, FRAME_CONTROL)), []);
});

test('zero length, unknown type and short chunk frames are BAD_FRAME', () => {
  throwsCode(() => new FrameDecoder().push(header(0)), 'BAD_FRAME');
  for (const type of [0x00, 0x03, 0x7f, 0xff]) {
    throwsCode(() => new FrameDecoder().push(Buffer.concat([header(10, type), Buffer.alloc(10)])), 'BAD_FRAME');
  }
  throwsCode(() => new FrameDecoder().push(header(20, FRAME_CHUNK)), 'BAD_FRAME');
  assert.equal(new FrameDecoder().push(header(21, FRAME_CHUNK)), []);
});

test('an empty control body is a frame (the message layer rejects it)', () => {
  const frames = new FrameDecoder().push(header(1, FRAME_CONTROL));
  assert.is(frames.length, 1);
  assert.is(frames[0].kind === 'control' && frames[0].body.length, 0);
});

test('a lowered frame limit refuses larger headers before buffering; raising it mid-slice takes effect at once', () => {
  const small = new FrameDecoder(64);
  assert.is(small.maxFrame, 64);
  const err = throwsCode(() => small.push(header(65, FRAME_CHUNK)), 'FRAME_TOO_LARGE');
  assert.match(err.message, 'exceeds 64');
  assert.is(small.bufferedBytes, 0);
  assert.is(new FrameDecoder(64).push(encodeControl({ t: 'x' })).length, 1);

  // A hello-sized control frame, then a big chunk frame, in one slice: the limit is raised by
  // whoever receives the first frame, and the second is accepted.
  const big = encodeChunk(Buffer.alloc(16, 7), 3, Buffer.alloc(1000, 9));
  const slice = Buffer.concat([encodeControl({ t: 'hello' }), big]);
  const raised = new FrameDecoder(64);
  const seen: Frame[] = [];
  raised.pushEach(slice, (f) => {
    seen.push(f);
    raised.maxFrame = MAX_FRAME;
  });
  assert.equal(seen.map((f) => f.kind), ['control', 'chunk']);
  // Without the raise the same slice fails at the second header.
  throwsCode(() => new FrameDecoder(64).push(slice), 'FRAME_TOO_LARGE');

  for (const bad of [0, -1, 1.5, MAX_FRAME + 1]) {
    assert.throws(() => new FrameDecoder(bad), /frame limit/);
  }
});

test('a declared 16 MiB frame costs only the bytes that arrived (issue 15 item 9)', () => {
  const head = Buffer.alloc(5 + 20);
  head.writeUInt32BE(MAX_FRAME, 0);
  head[4] = FRAME_CHUNK;
  const before = process.memoryUsage().arrayBuffers;
  // Before: each decoder allocated the whole declared body at the header (64 × 16 MiB = 1 GiB).
  const decoders = Array.from({ length: 64 }, () => {
    const d = new FrameDecoder();
    d.push(Buffer.concat([head, Buffer.alloc(100)]));
    return d;
  });
  const grew = process.memoryUsage().arrayBuffers - before;
  assert.ok(grew < 8 * 1024 * 1024, `64 unfinished frames hold ${grew} bytes`);
  assert.ok(decoders.every((d) => d.bufferedBytes === 125));
  // Finished slice by slice, the frame is whole and correct.
  const d = new FrameDecoder();
  const data = Buffer.alloc(3 * 65536 + 17, 7);
  const frame = encodeChunk(Buffer.alloc(16, 1), 5, data);
  const out: Frame[] = [];
  for (let at = 0; at < frame.length; at += 65536) out.push(...d.push(frame.subarray(at, at + 65536)));
  assert.is(out.length, 1);
  assert.ok(out[0]!.kind === 'chunk' && out[0]!.index === 5 && out[0]!.data.equals(data));
});

test('a failed decoder stays failed', () => {
  const d = new FrameDecoder();
  throwsCode(() => d.push(header(0)), 'BAD_FRAME');
  throwsCode(() => d.push(encodeControl({ t: 'x' })), 'BAD_FRAME');
  assert.is(d.bufferedBytes, 0);
});

test('P2P-CI sniffing: a letter, CR or LF first is P2P-CI and can never be a frame', () => {
  assert.ok(looksLikeP2pci(Buffer.from('GET RFC 123 P2P-CI/1.0\r\n')));
  assert.ok(looksLikeP2pci(Buffer.from('GET ')));
  for (const start of ['GET', 'GETX', 'get ', 'FETCH', 'ADD', 'LIST', '\r\nGET', '\nGET', 'x']) assert.ok(looksLikeP2pci(Buffer.from(start)), start);
  for (const start of ['', '\u0000', '\u0001', ' GET', '1', '\u0002']) assert.not.ok(looksLikeP2pci(Buffer.from(start)), JSON.stringify(start));
  assert.not.ok(looksLikeP2pci(encodeControl({ t: 'catalog.get', rid: 1 })));
  assert.ok(Buffer.from('GET ').readUInt32BE(0) > MAX_FRAME);
  for (const first of [0x0a, 0x0d, 0x41, 0x61]) assert.ok(first * 2 ** 24 > MAX_FRAME);
  throwsCode(() => new FrameDecoder().push(Buffer.from('GET RFC 1 P2P-CI/1.0\r\n')), 'FRAME_TOO_LARGE');
});

test(
  'fuzz: 10k seeded streams of frames, mutations and garbage in random slices',
  withTimeout(60_000, async () => {
    const rand = mulberry32(0x1a2b3c4d);
    const int = (n: number): number => Math.floor(rand() * n);
    let clean = 0;
    let rejected = 0;
    for (let iter = 0; iter < 10_000; iter++) {
      const frames: Buffer[] = [];
      const expected: string[] = [];
      for (let k = int(5); k >= 0; k--) {
        if (rand() < 0.5) {
          const msg = { t: 'x', n: int(1e6), s: randomBytes(rand, int(64)).toString('base64') };
          frames.push(encodeControl(msg));
          expected.push(JSON.stringify(msg));
        } else {
          const data = randomBytes(rand, rand() < 0.05 ? int(200_000) : int(300));
          const index = int(MAX_CHUNK_INDEX);
          frames.push(encodeChunk(token, index, data));
          expected.push(`${index}:${data.toString('hex')}`);
        }
      }
      let wire: Buffer = Buffer.concat(frames);
      const mode = int(3);
      if (mode === 1) {
        for (let m = int(4) + 1; m > 0; m--) wire[int(wire.length)] = int(256);
      } else if (mode === 2) {
        wire = randomBytes(rand, int(600));
      }
      const d = new FrameDecoder();
      const got: string[] = [];
      let at = 0;
      try {
        while (at < wire.length) {
          const n = 1 + int(rand() < 0.5 ? 8 : 70_000);
          for (const f of d.push(wire.subarray(at, at + n))) {
            got.push(f.kind === 'control' ? f.body.toString('utf8') : `${f.index}:${f.data.toString('hex')}`);
          }
          at += n;
          assert.ok(d.bufferedBytes <= MAX_FRAME + 4, 'decoder holds at most one frame');
        }
        if (mode === 0) {
          assert.equal(got, expected, `iteration ${iter}: clean stream decodes exactly`);
          assert.is(d.bufferedBytes, 0);
          clean++;
        }
      } catch (e) {
        if (!isLanmeshError(e)) throw new Error(`iteration ${iter}: non-LanmeshError ${String(e)}`, { cause: e });
        assert.ok(e.code === 'BAD_FRAME' || e.code === 'FRAME_TOO_LARGE', e.message);
        assert.ok(mode !== 0, `iteration ${iter}: clean stream rejected: ${e.message}`);
        rejected++;
      }
    }
    assert.ok(clean > 3000, `clean streams: ${clean}`);
    assert.ok(rejected > 3000, `rejected streams: ${rejected}`);
  }),
);

test('transient input: frames own their bytes though the caller overwrites its one read buffer after each push', () => {
  const rand = mulberry32(42);
  const payloads = [0, 1, 19, 4096, 65535, 65536 * 3 + 5, IN_PLACE_MAX - 20, IN_PLACE_MAX - 19, 2 * 1024 * 1024 + 3].map((n) => randomBytes(rand, n));
  const controls = [Buffer.from('{"t":"hello"}'), randomBytes(rand, 70_000)];
  const wire = Buffer.concat([
    ...payloads.map((p, i) => encodeChunk(token, i, p)),
    ...controls.map((c) => Buffer.concat([header(c.length + 1, FRAME_CONTROL), c])),
  ]);
  const pooled: number[] = [];
  for (const sizes of [[1], [7, 65536], [256 * 1024], [wire.length]]) {
    const d = new FrameDecoder();
    d.useTransientInput();
    d.useBodyAllocator((n) => (pooled.push(n), Buffer.allocUnsafe(n)));
    const reads = Buffer.allocUnsafe(Math.max(...sizes));
    const out: Frame[] = [];
    for (let at = 0, i = 0; at < wire.length; i++) {
      const n = Math.min(sizes[i % sizes.length]!, wire.length - at);
      wire.copy(reads, 0, at, at + n);
      out.push(...d.push(reads.subarray(0, n)));
      reads.fill(0xee); // what the next read would do to a view that was kept
      at += n;
    }
    assert.is(d.bufferedBytes, 0);
    assert.is(out.length, payloads.length + controls.length, `sizes ${sizes}`);
    payloads.forEach((p, i) => {
      const f = out[i]!;
      assert.ok(f.kind === 'chunk' && f.index === i && f.token.equals(token) && f.data.equals(p), `chunk ${i} (${p.length} B), sizes ${sizes}`);
    });
    controls.forEach((c, k) => {
      const f = out[payloads.length + k]!;
      assert.ok(f.kind === 'control' && f.body.equals(c), `control ${k}, sizes ${sizes}`);
    });
  }
  // Chunk bodies come from the allocator (a receive pool), control bodies do not.
  assert.ok(pooled.every((n) => payloads.some((p) => p.length + 20 === n)), `allocator asked for ${pooled}`);
});

test('transient input: a declared body above IN_PLACE_MAX costs the bytes that arrived, not its length', () => {
  const head = Buffer.alloc(5 + 20);
  head.writeUInt32BE(MAX_FRAME, 0);
  head[4] = FRAME_CHUNK;
  const before = process.memoryUsage().arrayBuffers;
  const decoders = Array.from({ length: 64 }, () => {
    const d = new FrameDecoder();
    d.useTransientInput();
    d.push(Buffer.concat([head, Buffer.alloc(100)]));
    return d;
  });
  const grew = process.memoryUsage().arrayBuffers - before;
  assert.ok(grew < 8 * 1024 * 1024, `64 unfinished frames hold ${grew} bytes`);
  assert.ok(decoders.every((d) => d.bufferedBytes === 125));
});

test.run();
