// SpareConnections: a connection put aside is taken once by the session to the same holder; one
// not taken is closed after a while; close() closes what is left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { FramedConnection } from '../../src/wire/connection.js';
import { SpareConnections } from '../../src/transfer/spare-connections.js';

test('taken once by address and port; the rest closed by close()', () => {
  const spares = new SpareConnections();
  const a = new FramedConnection(new PassThrough());
  const b = new FramedConnection(new PassThrough());
  spares.put('10.0.0.1', 9002, a);
  spares.put('10.0.0.2', 9002, b);
  assert.is(spares.take('10.0.0.1', 9003), undefined, 'another port is another holder');
  assert.is(spares.take('10.0.0.1', 9002), a);
  assert.is(spares.take('10.0.0.1', 9002), undefined, 'only once');
  assert.is(spares.reused, 1);
  spares.close();
  assert.ok(b.isClosed, 'not taken: closed');
  assert.not.ok(a.isClosed, 'taken: the taker closes it');
  a.close();
});

test.run();
