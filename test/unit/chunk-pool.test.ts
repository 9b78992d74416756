// ChunkPool: small bodies are never pooled, a given-back buffer is handed out again (once), and
// views of foreign buffers are ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChunkPool } from '../../src/transfer/chunk-pool.js';

test('take, give back through a view, take again: the same memory, exactly the size asked', () => {
  const pool = new ChunkPool();
  const body = pool.take(1 << 20);
  assert.is(body.length, 1 << 20);
  pool.give(body.subarray(20));
  pool.give(body.subarray(20)); // twice: still one free buffer
  const again = pool.take((1 << 20) - 100);
  assert.is(again.buffer, body.buffer, 'reused');
  assert.is(again.length, (1 << 20) - 100);
  const third = pool.take(1 << 20);
  assert.is.not(third.buffer, body.buffer, 'a buffer is never handed out twice at once');
  assert.is(pool.reuses, 1);
});

test('small bodies and foreign buffers stay out of the pool', () => {
  const pool = new ChunkPool();
  const small = pool.take(100);
  pool.give(small);
  pool.give(Buffer.alloc(1 << 20));
  const big = pool.take(1 << 20);
  assert.is(pool.reuses, 0);
  assert.is(big.length, 1 << 20);
});

test.run();
