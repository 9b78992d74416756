// Strict readers for the fields of untrusted JSON objects. Each failure is a LanmeshError
// BAD_MESSAGE that names the field's path (`catalog.files[3].size`), so a warning says what was wrong.
import { LanmeshError } from '../errors.js';

export class Fields {
  private constructor(
    private readonly obj: Record<string, unknown>,
    private readonly where: string,
  ) {}

  /** A reader over v, which must be a plain JSON object (not null, not an array). */
  static of(v: unknown, where: string): Fields {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new LanmeshError('BAD_MESSAGE', `${where}: expected an object, got ${kindOf(v)}`);
    }
    return new Fields(v as Record<string, unknown>, where);
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.obj, key) && this.obj[key] !== undefined;
  }

  fail(key: string, what: string): never {
    throw new LanmeshError('BAD_MESSAGE', `${this.where}.${key}: ${what}`);
  }

  private get(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.obj, key) ? this.obj[key] : undefined;
  }

  int(key: string, min: number, max: number): number {
    const v = this.get(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(key, `expected an integer in ${min}..${max}, got ${kindOf(v)}`);
    }
    return v;
  }

  str(key: string, { min = 0, max, re }: { min?: number; max: number; re?: RegExp }): string {
    const v = this.get(key);
    if (typeof v !== 'string') this.fail(key, `expected a string, got ${kindOf(v)}`);
    if (v.length < min || v.length > max) this.fail(key, `length ${v.length} is outside ${min}..${max}`);
    if (re && !re.test(v)) this.fail(key, `does not match ${re}`);
    return v;
  }

  array(key: string, max: number): unknown[] {
    const v = this.get(key);
    if (!Array.isArray(v)) this.fail(key, `expected an array, got ${kindOf(v)}`);
    if (v.length > max) this.fail(key, `has ${v.length} entries, more than ${max}`);
    return v;
  }

  /** An array of distinct integers in min..max. */
  intList(key: string, maxEntries: number, min: number, max: number): number[] {
    const list = this.array(key, maxEntries);
    const seen = new Set<number>();
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        this.fail(`${key}[${i}]`, `expected an integer in ${min}..${max}, got ${kindOf(v)}`);
      }
      if (seen.has(v)) this.fail(`${key}[${i}]`, `duplicate ${v}`);
      seen.add(v);
    }
    return list as number[];
  }

  sub(key: string): Fields {
    return Fields.of(this.get(key), `${this.where}.${key}`);
  }

  path(key: string): string {
    return `${this.where}.${key}`;
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of length ${v.length}` : JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  return typeof v;
}
