import { FlatRowReader } from './flat-row.js';
import type { KeyFingerprintSet, KeyOrder } from './key-set.js';
import type { CellValue, PackageRow, TableSpec } from './types.js';
import type { ScannedRow } from './upsert-taker.js';
import { VALUE_CODECS, ValueError, type ValueCodec, type WireValue } from './values.js';

/**
 * Turns the rows of one table into content lines and back, checking every value against
 * the column it belongs to. Upsert rows are JSON arrays in column order; delete rows are
 * `{"delete":[key values in key order]}`.
 */
export class TableCodec {
  private readonly codecs: readonly ValueCodec[];
  private readonly nullable: readonly boolean[];
  private readonly keyIndexes: readonly number[];
  private readonly keyCodecs: readonly ValueCodec[];
  private readonly integerKeyed: boolean;
  private readonly flat: FlatRowReader;
  /** A scanned line's key values, in a row of its own, for `addKey`: made once. */
  private readonly scannedKeyValues: CellValue[];
  private readonly scannedKey: PackageRow;

  constructor(readonly table: TableSpec) {
    this.flat = new FlatRowReader(table.columns);
    this.codecs = table.columns.map((column) => VALUE_CODECS[column.type]);
    this.nullable = table.columns.map((column) => column.nullable);
    this.keyIndexes = table.primaryKey.map((name) => table.columns.findIndex((column) => column.name === name));
    this.keyCodecs = this.keyIndexes.map((index) => this.codecs[index] as ValueCodec);
    this.integerKeyed = this.keyIndexes.length === 1 && table.columns[this.keyIndexes[0] as number]?.type === 'integer';
    this.scannedKeyValues = new Array<CellValue>(table.columns.length).fill(null);
    this.scannedKey = { op: 'upsert', values: this.scannedKeyValues };
  }

  /** Whether plain upsert lines can be handed over scanned (`scanUpsertLine`): every value writable, the key integers or strings. */
  get handsOverScanned(): boolean {
    const keyed = this.keyIndexes.every((index) => ['integer', 'string'].includes(this.table.columns[index]?.type ?? ''));
    return keyed && this.flat.writable;
  }

  /** Reads a plain upsert line into `scanned`, checked as `readUpsertLine` checks it; false when JSON.parse must read it. */
  scanUpsertLine(line: string): boolean {
    return this.flat.scan(line);
  }

  /** The line `scanUpsertLine` read last. */
  get scanned(): ScannedRow {
    return this.flat;
  }

  /** `addKey` for the line `scanUpsertLine` read last. */
  addScannedKey(keys: KeyFingerprintSet): string | undefined {
    for (const index of this.keyIndexes) this.scannedKeyValues[index] = this.flat.keyValue(index);
    return this.addKey(keys, this.scannedKey);
  }

  encode(row: PackageRow): string {
    if (row.op === 'upsert') return JSON.stringify(this.encodeValues(row.values));
    if (row.op === 'delete') return `{"delete":${JSON.stringify(this.encodeKey(row.key))}}`;
    throw new ValueError(`row op must be upsert or delete, got ${JSON.stringify((row as { op: unknown }).op)}`);
  }

  private encodeValues(values: readonly CellValue[]): WireValue[] {
    const count = this.codecs.length;
    if (!Array.isArray(values) || values.length !== count) {
      throw new ValueError(`expected ${count} values, got ${Array.isArray(values) ? values.length : typeof values}`);
    }
    const wire = new Array<WireValue>(count);
    for (let i = 0; i < count; i++) {
      const value = values[i] as CellValue;
      if (value === null || value === undefined) {
        if (!this.nullable[i]) throw this.columnError(i, new ValueError('null in a column that is not nullable'));
        wire[i] = null;
      } else {
        try {
          wire[i] = (this.codecs[i] as ValueCodec).encode(value);
        } catch (error) {
          throw this.columnError(i, error);
        }
      }
    }
    return wire;
  }

  private encodeKey(key: readonly CellValue[]): WireValue[] {
    this.checkKeyLength(key);
    return key.map((value, i) => {
      if (value === null || value === undefined) throw this.keyError(i, new ValueError('null in a primary key'));
      try {
        return (this.keyCodecs[i] as ValueCodec).encode(value);
      } catch (error) {
        throw this.keyError(i, error);
      }
    });
  }

  /** The upsert of a plain line read without JSON.parse, or undefined: then JSON.parse and `decodeUpsert` read it. */
  readUpsertLine(line: string): PackageRow | undefined {
    const values = this.flat.read(line);
    return values === undefined ? undefined : { op: 'upsert', values };
  }

  /** Decodes an upsert line's array in place (the array is the reader's own, fresh from JSON.parse). */
  decodeUpsert(wire: unknown[]): PackageRow {
    const count = this.codecs.length;
    if (wire.length !== count) throw new ValueError(`expected ${count} values, got ${wire.length}`);
    const values = wire as CellValue[];
    for (let i = 0; i < count; i++) {
      const value = wire[i];
      if (value === null) {
        if (!this.nullable[i]) throw this.columnError(i, new ValueError('null in a column that is not nullable'));
      } else {
        try {
          values[i] = (this.codecs[i] as ValueCodec).decode(value);
        } catch (error) {
          throw this.columnError(i, error);
        }
      }
    }
    return { op: 'upsert', values };
  }

  decodeDelete(wire: unknown): PackageRow {
    if (!Array.isArray(wire)) throw new ValueError('a delete row must hold an array of key values');
    this.checkKeyLength(wire);
    const key = wire.map((value: unknown, i) => {
      if (value === null) throw this.keyError(i, new ValueError('null in a primary key'));
      try {
        return (this.keyCodecs[i] as ValueCodec).decode(value);
      } catch (error) {
        throw this.keyError(i, error);
      }
    });
    return { op: 'delete', key };
  }

  /** Canonical text of the row's primary key: one value as is, several length-prefixed. */
  keyText(row: PackageRow): string {
    if (this.keyIndexes.length === 1) {
      const value = row.op === 'upsert' ? row.values[this.keyIndexes[0] as number] : row.key[0];
      return (this.keyCodecs[0] as ValueCodec).keyText(value as CellValue);
    }
    const key = this.keyValues(row);
    return joinKeyParts(key.map((value, i) => (this.keyCodecs[i] as ValueCodec).keyText(value as CellValue)));
  }

  /** The row's key when it is a single integer key held as a number, else undefined. */
  private integerKey(row: PackageRow): number | undefined {
    if (!this.integerKeyed) return undefined;
    const value = row.op === 'upsert' ? row.values[this.keyIndexes[0] as number] : row.key[0];
    return typeof value === 'number' ? value : undefined;
  }

  /**
   * Adds the row's primary key to `keys`; returns the key's text when `keys` held it already. A
   * single integer key that extends the ascending run is added without making its text.
   */
  addKey(keys: KeyFingerprintSet, row: PackageRow): string | undefined {
    const integer = this.integerKey(row);
    if (integer !== undefined && keys.addAscendingInteger(integer)) return undefined;
    const keyText = this.keyText(row);
    return keys.add(keyText, this.keyOrder(row, keyText)) ? undefined : keyText;
  }

  /** Orders keys for the ascending-order fast path: a single integer key numerically, others by key text. */
  keyOrder(row: PackageRow, keyText: string): KeyOrder {
    if (!this.integerKeyed) return keyText;
    return (row.op === 'upsert' ? row.values[this.keyIndexes[0] as number] : row.key[0]) as number | bigint;
  }

  /** keyOrder from the key text alone, for rows that arrive encoded. */
  keyOrderOfText(keyText: string): KeyOrder {
    if (!this.integerKeyed) return keyText;
    const small = Number(keyText);
    return Number.isSafeInteger(small) ? small : BigInt(keyText);
  }

  private keyValues(row: PackageRow): readonly CellValue[] {
    if (row.op === 'delete') return row.key;
    return this.keyIndexes.map((index) => row.values[index] as CellValue);
  }

  private checkKeyLength(key: readonly unknown[]): void {
    if (!Array.isArray(key) || key.length !== this.keyIndexes.length) {
      throw new ValueError(`expected ${this.keyIndexes.length} primary key values, got ${Array.isArray(key) ? key.length : typeof key}`);
    }
  }

  private columnError(index: number, error: unknown): ValueError {
    const column = this.table.columns[index];
    return new ValueError(`column ${column?.name} (${column?.type}): ${(error as Error).message}`);
  }

  private keyError(index: number, error: unknown): ValueError {
    return new ValueError(`primary key column ${this.table.primaryKey[index]}: ${(error as Error).message}`);
  }
}

/** The key text of several key columns from each one's key text: length-prefixed, so that no two keys run together. */
export function joinKeyParts(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0] as string;
  let text = '';
  for (const part of parts) text += `${part.length}:${part}`;
  return text;
}
