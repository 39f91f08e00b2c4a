import { packageError, type PackageErrorCode } from './errors.js';
import { packageFileName } from './file-name.js';
import { holdsLoneSurrogate, jsonStructureProblem, mayHoldLoneSurrogate } from './json-text.js';
import { KeyFingerprintSet } from './key-set.js';
import { contentLimit, MAX_JSON_DEPTH } from './limits.js';
import { LineSplitter } from './line-splitter.js';
import { FORMAT_NAME, validateManifest } from './manifest.js';
import { TableCodec } from './table-codec.js';
import type { Direction, PackageManifest, PackageRow, TableSpec } from './types.js';
import type { UpsertTaker } from './upsert-taker.js';
import type { RowSink } from './batches.js';

export interface ContentExpectations {
  readonly expectedChannelId?: string;
  readonly expectedDirection?: Direction;
  /** The name the package was listed under; must be `packageFileName(manifest)`. */
  readonly expectedFileName?: string;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Parses decompressed content line by line and checks it: manifest first, then one section per
 * table in manifest order holding exactly the declared rows, every value of its column's type,
 * no primary key twice. Lines come from a LineSplitter (exact length limits, UTF-8); each
 * checked row goes to `sink` with its line, or, once a consumer took the section's rows over
 * (RowBatch.handOver), to that consumer's taker, a plain upsert line without its values made.
 */
export class ContentParser {
  private readonly lines: LineSplitter;
  private lineNumber = 0;
  private manifestValue: PackageManifest | undefined;
  private tableIndex = -1;
  private codec: TableCodec | undefined;
  private keys = new KeyFingerprintSet();
  private upserts = 0;
  private deletes = 0;
  /** The section's taker, once a consumer took its rows over (RowBatch.handOver). */
  private taker: UpsertTaker | undefined;
  /** The line being read. */
  private text = '';

  constructor(
    private readonly where: string,
    private readonly expectations: ContentExpectations,
    private readonly bodyBytes: number,
    private readonly sink: RowSink,
  ) {
    this.lines = new LineSplitter(where, bodyBytes, (text, lineNumber) => {
      this.lineNumber = lineNumber;
      this.line(text);
    });
  }

  get manifest(): PackageManifest | undefined {
    return this.manifestValue;
  }

  push(chunk: Buffer): void {
    this.lines.push(chunk);
  }

  /** At the end of the content: checks nothing is missing and returns the manifest. */
  end(): PackageManifest {
    const manifest = this.manifestValue;
    if (manifest === undefined) return this.notAPackage(this.lines.partial ? 'no complete manifest line' : 'the content is empty');
    if (this.lines.partial) throw this.corrupt(`line ${this.lineNumber + 1} does not end with a line feed`);
    if (this.tableIndex < manifest.tables.length - 1) {
      throw this.corrupt(`the section of table ${manifest.tables[this.tableIndex + 1]?.name} is missing`);
    }
    this.closeSection();
    return manifest;
  }

  private line(text: string): void {
    this.text = text;
    const first = text.charCodeAt(0);
    const last = text.charCodeAt(text.length - 1);
    if (this.manifestValue === undefined) {
      if (first !== OPEN_BRACE) this.notAPackage('the first line is not a JSON object');
      this.header(text);
      return;
    }
    if (last !== CLOSE_BRACKET && last !== CLOSE_BRACE) {
      throw this.corrupt(
        `line ${this.lineNumber} does not end with ] or }: a line holds one JSON value and nothing after it (no CR, no spaces)`,
      );
    }
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
    if (text.charCodeAt(text.length - 1) !== CLOSE_BRACE) {
      throw packageError('E_PACKAGE_MANIFEST', `${this.where}: the manifest line has bytes after its closing } (no CR, no spaces)`);
    }
    const manifest = validateManifest(parsed, this.where);
    const problem = jsonStructureProblem(text, MAX_JSON_DEPTH);
    if (problem !== undefined) throw packageError('E_PACKAGE_MANIFEST', `${this.where}: the manifest is not plain JSON: ${problem}`);
    this.checkText(text, parsed);
    this.checkExpectations(manifest);
    this.manifestValue = manifest;
    this.lines.setLimit(contentLimit(this.bodyBytes, manifest));
  }

  private checkExpectations(manifest: PackageManifest): void {
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
        `${this.where}: the file is named ${JSON.stringify(expectedFileName)} but its manifest makes it ${packageFileName(manifest)}`,
      );
    }
  }

  private control(text: string): void {
    const parsed = this.parse(text) as Record<string, unknown>;
    const isDelete = Array.isArray(parsed.delete);
    const problem = jsonStructureProblem(text, MAX_JSON_DEPTH);
    if (problem !== undefined) throw this.corrupt(`line ${this.lineNumber}: ${problem}`, isDelete ? 'E_PACKAGE_ROW' : 'E_PACKAGE_CORRUPT');
    this.checkText(text, parsed);
    if (isDelete) {
      this.row(parsed.delete as unknown[], false);
      return;
    }
    const manifest = this.manifestValue as PackageManifest;
    const next = manifest.tables[this.tableIndex + 1];
    if (typeof parsed.table !== 'string' || Object.keys(parsed).length !== 1) {
      throw this.corrupt(`line ${this.lineNumber} is neither a section, a row nor a delete`);
    }
    if (next === undefined || parsed.table !== next.name) {
      throw this.corrupt(
        `line ${this.lineNumber} starts table ${JSON.stringify(parsed.table)} where ${next === undefined ? 'the content should end' : `table ${next.name} should start`}`,
      );
    }
    this.closeSection();
    this.tableIndex++;
    const codec = new TableCodec(next);
    this.codec = codec;
    this.keys = new KeyFingerprintSet();
    this.upserts = 0;
    this.deletes = 0;
    this.taker = undefined;
    this.sink.offer(codec.handsOverScanned ? (taker) => this.handOver(codec, taker) : undefined);
  }

  /** From the next row of `codec`'s section on, its rows go to `taker`; the rows read before go first, as a batch. */
  private handOver(codec: TableCodec, taker: UpsertTaker): void {
    if (this.codec !== codec || this.taker !== undefined) return;
    this.sink.sectionEnd();
    this.sink.offer(undefined);
    this.taker = taker;
  }

  private row(source: string | unknown[], upsert: boolean): void {
    const codec = this.codec;
    if (codec === undefined) throw this.corrupt(`line ${this.lineNumber} is a row before any table section`);
    const table = codec.table;
    const { taker } = this;
    // A taker gets the usual upsert line's values unmade, checked as if they were.
    if (taker !== undefined && typeof source === 'string' && codec.scanUpsertLine(source)) {
      this.count(table, true);
      this.checkKey(table, codec.addScannedKey(this.keys));
      taker.scanned(codec.scanned);
      this.sink.taken(table, source);
      return;
    }
    // The usual upsert line is read straight into its values; any other goes through JSON.parse and the codec, which name what is wrong.
    const read = typeof source === 'string' && taker === undefined ? codec.readUpsertLine(source) : undefined;
    let wire: unknown = source;
    if (typeof source === 'string' && read === undefined) {
      wire = this.parse(source);
      this.checkText(source, wire);
    }
    this.count(table, upsert);
    let row: PackageRow;
    try {
      row = read ?? (upsert ? codec.decodeUpsert(wire as unknown[]) : codec.decodeDelete(wire));
    } catch (error) {
      throw packageError('E_PACKAGE_ROW', `${this.where}: line ${this.lineNumber}, table ${table.name}: ${(error as Error).message}`, {
        table: table.name,
        line: this.lineNumber,
      });
    }
    this.checkKey(table, codec.addKey(this.keys, row));
    if (taker === undefined) {
      this.sink.row(table, row, this.text);
      return;
    }
    taker.row(row);
    this.sink.taken(table, this.text);
  }

  /** One more upsert or delete of `table`: no more than its manifest declares. */
  private count(table: TableSpec, upsert: boolean): void {
    if (upsert ? ++this.upserts > table.upsertCount : ++this.deletes > table.deleteCount) {
      throw packageError(
        'E_PACKAGE_COUNTS',
        `${this.where}: table ${table.name} declares ${table.upsertCount} upserts and ${table.deleteCount} deletes, but line ${this.lineNumber} is one ${upsert ? 'upsert' : 'delete'} more`,
        { table: table.name, line: this.lineNumber },
      );
    }
  }

  /** `repeated`: the key text `addKey` found already there. */
  private checkKey(table: TableSpec, repeated: string | undefined): void {
    if (repeated === undefined) return;
    throw packageError(
      'E_PACKAGE_DUPLICATE_KEY',
      `${this.where}: line ${this.lineNumber}, table ${table.name}: primary key ${JSON.stringify(repeated)} appears twice; a package holds each key at most once per table`,
      { table: table.name, line: this.lineNumber },
    );
  }

  /** Lone surrogates can only come from `\u` escapes, so only a line that has one is walked. */
  private checkText(text: string, parsed: unknown): void {
    if (mayHoldLoneSurrogate(text) && holdsLoneSurrogate(parsed)) {
      throw packageError(
        'E_PACKAGE_ENCODING',
        `${this.where}: line ${this.lineNumber} escapes a lone surrogate (such as \\ud800), which is not Unicode text`,
        { line: this.lineNumber },
      );
    }
  }

  private closeSection(): void {
    const table = this.codec?.table;
    if (table === undefined) return;
    this.sink.sectionEnd();
    if (this.upserts !== table.upsertCount || this.deletes !== table.deleteCount) {
      throw packageError(
        'E_PACKAGE_COUNTS',
        `${this.where}: table ${table.name} declares ${table.upsertCount} upserts and ${table.deleteCount} deletes but holds ${this.upserts} and ${this.deletes}`,
        { table: table.name },
      );
    }
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw packageError('E_PACKAGE_ROW', `${this.where}: line ${this.lineNumber} is not valid JSON`, { line: this.lineNumber });
    }
  }

  private corrupt(problem: string, code: PackageErrorCode = 'E_PACKAGE_CORRUPT'): Error {
    return packageError(code, `${this.where}: ${problem}`, { line: this.lineNumber });
  }

  private notAPackage(problem: string): never {
    throw packageError('E_PACKAGE_NOT_A_PACKAGE', `${this.where}: not an async-client package: ${problem}`);
  }
}
