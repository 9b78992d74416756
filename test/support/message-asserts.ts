// Asserts for the control-message codec tests: a value must be refused as BAD_MESSAGE.
import * as assert from 'uvu/assert';
import { isLanmeshError } from '../../src/errors.js';
import { parseControl, type ControlMessage } from '../../src/wire/messages.js';

/** Parses `v` as the body of a control frame (JSON, then strict validation). */
export const parseValue = (v: unknown): ControlMessage => parseControl(Buffer.from(JSON.stringify(v), 'utf8'));

export function refuses(v: unknown, why: string): void {
  try {
    parseValue(v);
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_MESSAGE'), `${why}: expected BAD_MESSAGE, got ${String(e)}`);
    return;
  }
  assert.unreachable(`${why}: accepted ${JSON.stringify(v).slice(0, 200)}`);
}
