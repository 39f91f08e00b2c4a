import { AsyncClientError } from '../../errors.js';
import { joinKeyParts, type TableSpec } from '../../package/index.js';
import { packageError } from '../../package/errors.js';
import { KeyFingerprintSet, keyFingerprint } from '../../package/key-set.js';
import { ValueError, type WireValue } from '../../package/values.js';
import type { WireConverter } from './cell-text.js';
import { SpilledKeys } from './spilled-keys.js';

export type TableSchema = Omit<TableSpec, 'upsertCount' | 'deleteCount'>;

/** Column naming a row's operation in input files: `upsert` (the default when absent or empty) or `delete`. */
export const OP_COLUMN = '_op';

/**
 * Keys whose fingerprints a table keeps in memory (8 to 32 MiB); later keys are checked against
 * them at once and against each other on disk (spilled-keys.ts), so that a pack's memory does
 * not grow with its input.
 */
const KEYS_IN_MEMORY = 1024 * 1024;

/** Input files are read in chunks of this many bytes. */
export const READ_CHUNK_BYTES = 64 * 1024;

export function inputError(path: string, line: number, message: string): AsyncClientError {
  return new AsyncClientError('E_PACK_INPUT', `${path}:${line}: ${message}`, { path, line });
}

export function isDelete(value: unknown, path: string, line: number): boolean {
  if (value === undefined || value === null || value === '' || value === 'upsert') return false;
  if (value === 'delete') return true;
  throw inputError(path, line, `${OP_COLUMN} must be upsert or delete, got ${JSON.stringify(value)}`);
}

/** Converts a value, naming the column when it does not fit. */
export function converted<T>(
  convert: WireConverter<T>,
  value: T,
  schema: TableSchema,
  index: number,
  path: string,
  line: number,
): WireValue {
  try {
    return convert(value);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    const column = schema.columns[index];
    throw inputError(path, line, `column ${column?.name} (${column?.type}): ${error.message}`);
  }
}

/**
 * Turns one table's rows, already converted to wire values, into content lines
 * (docs/package-format.md, section 3) with the checks the package writer makes: nulls only in
 * nullable columns, never a primary key twice. Counts the rows for the manifest.
 */
export class TableLines {
  private readonly keys = new KeyFingerprintSet();
  private spilled: SpilledKeys | undefined;
  /** Where the primary-key columns are among the columns, in key order. */
  readonly keyIndexes: readonly number[];
  private readonly nullable: readonly boolean[];
  private readonly integerKey: boolean;
  private readonly deleteKey: WireValue[];
  private upserts = 0;
  private deletes = 0;

  constructor(
    readonly schema: TableSchema,
    private readonly path: string,
    private readonly keysInMemory = KEYS_IN_MEMORY,
    private readonly spillChunkKeys?: number,
  ) {
    this.keyIndexes = schema.primaryKey.map((name) => schema.columns.findIndex((column) => column.name === name));
    this.nullable = schema.columns.map((column) => column.nullable);
    this.integerKey = this.keyIndexes.length === 1 && schema.columns[this.keyIndexes[0] as number]?.type === 'integer';
    this.deleteKey = new Array<WireValue>(this.keyIndexes.length);
  }

  /** The section line that opens the table. */
  sectionLine(): string {
    return `${JSON.stringify({ table: this.schema.name })}\n`;
  }

  /** `values` in column order, null where the input has none; the array may be reused by the caller. */
  upsert(values: WireValue[], line: number): string {
    const nullable = this.nullable;
    for (let i = 0; i < values.length; i++) {
      if (values[i] === null && !nullable[i]) {
        const column = this.schema.columns[i];
        throw inputError(this.path, line, `column ${column?.name} (${column?.type}): null in a column that is not nullable`);
      }
    }
    this.checkKey(values, line);
    this.upserts++;
    return `${JSON.stringify(values)}\n`;
  }

  /** A delete row: only the key columns of `values` count. */
  delete(values: WireValue[], line: number): string {
    const key = this.deleteKey;
    for (let i = 0; i < key.length; i++) {
      const value = values[this.keyIndexes[i] as number] ?? null;
      if (value === null) throw inputError(this.path, line, `primary key column ${this.schema.primaryKey[i]}: null in a primary key`);
      key[i] = value;
    }
    this.checkKey(values, line);
    this.deletes++;
    return `{"delete":${JSON.stringify(key)}}\n`;
  }

  /** Throws when two keys past those kept in memory were the same: once every row is read, before the package is written. */
  checkSpilledKeys(): void {
    const repeat = this.spilled?.firstRepeat();
    if (repeat !== undefined) throw this.repeatedKey(repeat.row, repeat.line, undefined);
  }

  /** Removes the spilled keys' files. */
  close(): void {
    this.spilled?.close();
  }

  spec(): TableSpec {
    return { ...this.schema, upsertCount: this.upserts, deleteCount: this.deletes };
  }

  private checkKey(values: readonly WireValue[], line: number): void {
    const indexes = this.keyIndexes;
    const keyText =
      indexes.length === 1 ? String(values[indexes[0] as number]) : joinKeyParts(indexes.map((index) => String(values[index])));
    const first = values[indexes[0] as number];
    const order = this.integerKey ? (typeof first === 'number' ? first : BigInt(first as string)) : keyText;
    const row = this.upserts + this.deletes + 1;
    if (this.keys.count < this.keysInMemory) {
      if (!this.keys.add(keyText, order)) throw this.repeatedKey(row, line, keyText);
      return;
    }
    if (this.keys.has(keyText, order)) throw this.repeatedKey(row, line, keyText);
    this.spilled ??= new SpilledKeys(this.spillChunkKeys);
    this.spilled.add(keyFingerprint(keyText), row, line);
  }

  private repeatedKey(row: number, line: number, keyText: string | undefined): AsyncClientError {
    const table = this.schema.name;
    const key = keyText === undefined ? 'its primary key' : `primary key ${JSON.stringify(keyText)}`;
    return packageError('E_PACKAGE_DUPLICATE_KEY', `${this.path}: table ${table}, row ${row}: ${key} was already written (line ${line})`, {
      table,
      row,
    });
  }
}
