import { packageError } from './errors.js';

/**
 * Small readers for the manifest's JSON shape, each naming the path of what is wrong. Written by
 * hand rather than with TypeBox: TypeBox adds about 13 MB to the resident size of every process
 * that reads a package, a tenth of the reader's whole memory budget (bench/package.bench.ts).
 */
export class ShapeReader {
  constructor(private readonly where: string) {}

  fail(path: string, problem: string): never {
    throw packageError('E_PACKAGE_MANIFEST', `${this.where}: ${path}: ${problem}`, { path });
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'expected an object');
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string, minItems = 0): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'expected an array');
    if (value.length < minItems) this.fail(path, `expected at least ${minItems} item(s)`);
    return value;
  }

  string(value: unknown, path: string, pattern?: RegExp): string {
    if (typeof value !== 'string') this.fail(path, 'expected a string');
    if (pattern !== undefined && !pattern.test(value)) this.fail(path, `${JSON.stringify(value)} does not match ${pattern.source}`);
    return value;
  }

  nonEmptyString(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.length === 0) this.fail(path, 'expected a non-empty string');
    return value;
  }

  integer(value: unknown, path: string, minimum: number, maximum: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
      this.fail(path, `expected an integer from ${minimum} to ${maximum}`);
    }
    return value + 0; // -0 is 0
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'expected true or false');
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T {
    if (!options.includes(value as T)) this.fail(path, `expected one of ${options.join(', ')}`);
    return value as T;
  }
}
