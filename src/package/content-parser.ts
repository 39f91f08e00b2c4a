import { StringDecoder } from 'node:string_decoder';
import { packageError } from './errors.js';
import { packageFileName } from './file-name.js';
import { KeyFingerprintSet } from './key-set.js';
import { FORMAT_NAME, validateManifest } from './manifest.js';
import { TableCodec } from './table-codec.js';
import type { Direction, PackageManifest, PackageRow, RowBatch } from './types.js';

export interface ContentExpectations {
  readonly expectedChannelId?: string;
  readonly expectedDirection?: Direction;
  /** The name the package was listed under; must be `packageFileName(manifest)`. */
  readonly expectedFileName?: string;
}

/** A line longer than this is refused rather than buffered: it bounds the reader's memory. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;
const MAX_HEADER_CHARS = 1024 * 1024;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;

/**
 * Parses decompressed content line by line and checks it: manifest first, then one section per
 * table in manifest order holding exactly the declared rows, every value of its column's type,
 * no primary key twice. Completed batches queue up in `batches` for the caller to take.
 */
export class ContentParser {
  readonly batches: RowBatch[] = [];
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private lineNumber = 0;
  private manifestValue: PackageManifest | undefined;
  private tableIndex = -1;
  private codec: TableCodec | undefined;
  private keys = new KeyFingerprintSet();
  private upserts = 0;
  private deletes = 0;
  private batch: PackageRow[] = [];

  constructor(
    private readonly where: string,
    private readonly expectations: ContentExpectations,
    private readonly batchRows: number,
  ) {}

  get manifest(): PackageManifest | undefined {
    return this.manifestValue;
  }

  push(chunk: Buffer): void {
    const text = this.carry + this.decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      this.lineNumber++;
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.carry = start === 0 ? text : text.slice(start);
    const limit = this.manifestValue === undefined ? MAX_HEADER_CHARS : MAX_LINE_CHARS;
    if (this.carry.length > limit) {
      if (this.manifestValue === undefined) this.notAPackage('no manifest line at the start');
      throw this.corrupt(`line ${this.lineNumber + 1} is longer than ${limit} characters`, 'E_PACKAGE_ROW');
    }
  }

  /** At the end of the content: checks nothing is missing and returns the manifest. */
  end(): PackageManifest {
    this.carry += this.decoder.end();
    const manifest = this.manifestValue;
    if (manifest === undefined) return this.notAPackage(this.carry.length > 0 ? 'no complete manifest line' : 'the content is empty');
    if (this.carry.length > 0) throw this.corrupt(`line ${this.lineNumber + 1} does not end with a line feed`);
    if (this.tableIndex < manifest.tables.length - 1) {
      throw this.corrupt(`the section of table ${manifest.tables[this.tableIndex + 1]?.name} is missing`);
    }
    this.closeSection();
    return manifest;
  }

  private line(text: string): void {
    if (this.manifestValue === undefined) {
      this.header(text);
      return;
    }
    const first = text.charCodeAt(0);
    if (first === OPEN_BRACKET) this.row(text, true);
    else if (first === OPEN_BRACE) this.control(text);
    else throw this.corrupt(`line ${this.lineNumber} is neither a row nor a section`);
  }

  private header(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.notAPackage('the first line is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { format?: unknown }).format !== FORMAT_NAME) {
      this.notAPackage(`the first line does not name the format ${FORMAT_NAME}`);
    }
    const manifest = validateManifest(parsed, this.where);
    const { expectedChannelId, expectedDirection, expectedFileName } = this.expectations;
    if (expectedChannelId !== undefined && manifest.channelId !== expectedChannelId) {
      throw packageError('E_PACKAGE_CHANNEL', `${this.where}: the package is for channel ${manifest.channelId}, not ${expectedChannelId}`, {
        channelId: manifest.channelId,
      });
    }
    if (expectedDirection !== undefined && manifest.direction !== expectedDirection) {
      throw packageError('E_PACKAGE_CHANNEL', `${this.where}: the package is an ${manifest.direction} package, not ${expectedDirection}`, {
        direction: manifest.direction,
      });
    }
    if (expectedFileName !== undefined && packageFileName(manifest) !== expectedFileName) {
      throw packageError(
        'E_PACKAGE_NAME',
        `${this.where}: the file is named ${expectedFileName} but its manifest makes it ${packageFileName(manifest)}`,
      );
    }
    this.manifestValue = manifest;
  }

  private control(text: string): void {
    const parsed = this.parse(text) as Record<string, unknown>;
    if (Array.isArray(parsed.delete)) {
      this.row(parsed.delete, false);
      return;
    }
    const manifest = this.manifestValue as PackageManifest;
    const next = manifest.tables[this.tableIndex + 1];
    if (typeof parsed.table !== 'string' || Object.keys(parsed).length !== 1) {
      throw this.corrupt(`line ${this.lineNumber} is neither a section, a row nor a delete`);
    }
    if (next === undefined || parsed.table !== next.name) {
      throw this.corrupt(
        `line ${this.lineNumber} starts table ${parsed.table} where ${next === undefined ? 'the content should end' : `table ${next.name} should start`}`,
      );
    }
    this.closeSection();
    this.tableIndex++;
    this.codec = new TableCodec(next);
    this.keys = new KeyFingerprintSet(next.upsertCount + next.deleteCount);
    this.upserts = 0;
    this.deletes = 0;
  }

  private row(source: string | unknown[], upsert: boolean): void {
    const codec = this.codec;
    if (codec === undefined) throw this.corrupt(`line ${this.lineNumber} is a row before any table section`);
    const table = codec.table;
    const wire = typeof source === 'string' ? this.parse(source) : source;
    if (upsert ? ++this.upserts > table.upsertCount : ++this.deletes > table.deleteCount) {
      throw packageError(
        'E_PACKAGE_COUNTS',
        `${this.where}: table ${table.name} declares ${table.upsertCount} upserts and ${table.deleteCount} deletes, but line ${this.lineNumber} is one ${upsert ? 'upsert' : 'delete'} more`,
        { table: table.name, line: this.lineNumber },
      );
    }
    let row: PackageRow;
    try {
      row = upsert ? codec.decodeUpsert(wire as unknown[]) : codec.decodeDelete(wire);
    } catch (error) {
      throw packageError('E_PACKAGE_ROW', `${this.where}: line ${this.lineNumber}, table ${table.name}: ${(error as Error).message}`, {
        table: table.name,
        line: this.lineNumber,
      });
    }
    const keyText = codec.keyText(row);
    if (!this.keys.add(keyText, codec.keyOrder(row, keyText))) {
      throw packageError(
        'E_PACKAGE_DUPLICATE_KEY',
        `${this.where}: line ${this.lineNumber}, table ${table.name}: primary key ${keyText} appears twice; a package holds each key at most once per table`,
        { table: table.name, line: this.lineNumber },
      );
    }
    this.batch.push(row);
    if (this.batch.length >= this.batchRows) this.flushBatch();
  }

  private closeSection(): void {
    const table = this.codec?.table;
    if (table === undefined) return;
    this.flushBatch();
    if (this.upserts !== table.upsertCount || this.deletes !== table.deleteCount) {
      throw packageError(
        'E_PACKAGE_COUNTS',
        `${this.where}: table ${table.name} declares ${table.upsertCount} upserts and ${table.deleteCount} deletes but holds ${this.upserts} and ${this.deletes}`,
        { table: table.name },
      );
    }
  }

  private flushBatch(): void {
    if (this.batch.length === 0 || this.codec === undefined) return;
    this.batches.push({ table: this.codec.table, rows: this.batch });
    this.batch = [];
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw packageError('E_PACKAGE_ROW', `${this.where}: line ${this.lineNumber} is not valid JSON`, { line: this.lineNumber });
    }
  }

  private corrupt(problem: string, code: 'E_PACKAGE_CORRUPT' | 'E_PACKAGE_ROW' = 'E_PACKAGE_CORRUPT'): Error {
    return packageError(code, `${this.where}: ${problem}`, { line: this.lineNumber });
  }

  private notAPackage(problem: string): never {
    throw packageError('E_PACKAGE_NOT_A_PACKAGE', `${this.where}: not an async-client package: ${problem}`);
  }
}
