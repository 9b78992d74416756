// Control-message test helpers: a value as a frame body, parsed the way a peer parses it, and the
// check that a value is refused with BAD_MESSAGE (never accepted, never another error).
import * as assert from 'uvu/assert';
import { isLanmeshError } from '../../src/errors.js';
import { parseControl, type ControlMessage } from '../../src/wire/messages.js';

export const body = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
export const parse = (v: unknown): ControlMessage => parseControl(body(v));

export function refuses(v: unknown, why: string): void {
  try {
    parse(v);
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_MESSAGE'), `${why}: expected BAD_MESSAGE, got ${String(e)}`);
    return;
  }
  assert.unreachable(`${why}: accepted ${JSON.stringify(v).slice(0, 200)}`);
}
