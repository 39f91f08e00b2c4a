import type { EncodedRows } from './encoded-rows.js';
import { packageError } from './errors.js';
import { KeyFingerprintSet } from './key-set.js';
import { MAX_LINE_BYTES } from './limits.js';
import { TableCodec } from './table-codec.js';
import type { PackageManifest, PackageRow } from './types.js';

/** Walks the tables in manifest order, counting and checking each table's rows. */
export class SectionTracker {
  private index = -1;
  private codec: TableCodec | undefined;
  private keys = new KeyFingerprintSet();
  private upserts = 0;
  private deletes = 0;

  constructor(private readonly manifest: PackageManifest) {}

  /** Moves to the named table; returns the section lines for it and any skipped tables. */
  enter(tableName: string): string {
    const target = this.manifest.tables.findIndex((table) => table.name === tableName);
    if (target < 0) throw packageError('E_PACKAGE_WRITER', `package writer: table ${tableName} is not in the manifest`);
    if (target < this.index) {
      throw packageError(
        'E_PACKAGE_WRITER',
        `package writer: table ${tableName} comes before ${this.codec?.table.name} in the manifest; write tables in manifest order`,
      );
    }
    return this.advanceTo(target);
  }

  finish(): string {
    return this.advanceTo(this.manifest.tables.length);
  }

  private advanceTo(target: number): string {
    let lines = '';
    while (this.index < target) {
      this.closeSection();
      this.index++;
      const table = this.manifest.tables[this.index];
      if (table === undefined) break;
      this.codec = new TableCodec(table);
      this.keys = new KeyFingerprintSet();
      this.upserts = 0;
      this.deletes = 0;
      lines += `${JSON.stringify({ table: table.name })}\n`;
    }
    return lines;
  }

  private closeSection(): void {
    const table = this.codec?.table;
    if (table === undefined) return;
    if (this.upserts !== table.upsertCount || this.deletes !== table.deleteCount) {
      throw packageError(
        'E_PACKAGE_COUNTS',
        `package writer: table ${table.name} declares ${table.upsertCount} upserts and ${table.deleteCount} deletes but ${this.upserts} and ${this.deletes} were written`,
        { table: table.name },
      );
    }
  }

  encode(row: PackageRow): string {
    const codec = this.entered();
    const table = codec.table;
    const rowNumber = this.upserts + this.deletes + 1;
    let line: string;
    try {
      line = codec.encode(row);
    } catch (error) {
      throw packageError('E_PACKAGE_ROW', `package writer: table ${table.name}, row ${rowNumber}: ${(error as Error).message}`, {
        table: table.name,
        row: rowNumber,
      });
    }
    // A UTF-16 unit takes at most 3 bytes: most lines are measured without encoding them.
    if (line.length > MAX_LINE_BYTES / 3) this.measure(Buffer.byteLength(line), rowNumber);
    this.count(row.op);
    const repeated = codec.addKey(this.keys, row);
    if (repeated !== undefined) throw this.repeatedKey(repeated);
    return line;
  }

  /** Counts, measures and checks the keys of encoded upsert rows, as `encode` does for each row it encodes. */
  admit(batch: EncodedRows): void {
    const codec = this.entered();
    if (batch.keys.length !== batch.lineBytes.length) {
      throw packageError(
        'E_PACKAGE_WRITER',
        `package writer: table ${codec.table.name}: encoded rows with ${batch.keys.length} keys for ${batch.lineBytes.length} lines`,
      );
    }
    for (let i = 0; i < batch.keys.length; i++) {
      const keyText = batch.keys[i] as string;
      this.measure(batch.lineBytes[i] as number, this.upserts + this.deletes + 1);
      this.count('upsert');
      if (!this.keys.add(keyText, codec.keyOrderOfText(keyText))) throw this.repeatedKey(keyText);
    }
  }

  private entered(): TableCodec {
    if (this.codec === undefined) throw packageError('E_PACKAGE_WRITER', 'package writer: no table entered');
    return this.codec;
  }

  private measure(lineBytes: number, rowNumber: number): void {
    const table = this.entered().table;
    if (lineBytes > MAX_LINE_BYTES) {
      throw packageError(
        'E_PACKAGE_LIMIT',
        `package writer: table ${table.name}, row ${rowNumber} is longer than ${MAX_LINE_BYTES} bytes, which readers refuse`,
        { table: table.name, row: rowNumber },
      );
    }
  }

  private count(op: PackageRow['op']): void {
    const table = this.entered().table;
    const rowNumber = this.upserts + this.deletes + 1;
    if (op === 'upsert' ? ++this.upserts > table.upsertCount : ++this.deletes > table.deleteCount) {
      throw packageError(
        'E_PACKAGE_COUNTS',
        `package writer: table ${table.name} declares ${table.upsertCount} upserts and ${table.deleteCount} deletes; row ${rowNumber} is one ${op} too many`,
        { table: table.name },
      );
    }
  }

  /** The duplicate key of the row just counted. */
  private repeatedKey(keyText: string): Error {
    const table = this.entered().table;
    const rowNumber = this.upserts + this.deletes;
    return packageError(
      'E_PACKAGE_DUPLICATE_KEY',
      `package writer: table ${table.name}, row ${rowNumber}: primary key ${JSON.stringify(keyText)} was already written`,
      { table: table.name, row: rowNumber },
    );
  }
}
