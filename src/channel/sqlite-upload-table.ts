import type { Database } from 'better-sqlite3';
import { AsyncClientError } from '../errors.js';
import type { UploadTableConfig, UploadTableDescription } from './upload-journal.js';
import { findColumn, isRowidAlias, isRowidName, quoteName, readTable, sameName } from './sqlite-schema.js';
import { affinityOf, columnTypeOf } from './sqlite-values.js';

/**
 * The start-up check of one upload table: it exists, its counter exists, is an integer
 * and is indexed (a rowid, an INTEGER PRIMARY KEY, or the first column of an index),
 * so that reading past the watermark never scans the whole table.
 */
export function describeUploadTable(db: Database, config: UploadTableConfig): UploadTableDescription {
  const where = `upload table ${config.table} (counter ${config.counterColumn})`;
  const table = readTable(db, config.table);
  if (table === null) {
    throw new AsyncClientError(
      'E_UPLOAD_TABLE_MISSING',
      `${where}: the table does not exist in the channel database; fix the profile's upload tables or create it`,
      { ...config },
    );
  }
  const counter = findColumn(table, config.counterColumn);
  if (counter === undefined && !(isRowidName(config.counterColumn) && table.hasRowid)) {
    throw new AsyncClientError(
      'E_UPLOAD_COUNTER_MISSING',
      `${where}: table ${table.name} has no column ${config.counterColumn}; name an existing integer column (or rowid) in the profile`,
      { ...config },
    );
  }
  if (counter !== undefined && affinityOf(counter.declaredType) !== 'INTEGER') {
    throw new AsyncClientError(
      'E_UPLOAD_COUNTER_TYPE',
      `${where}: the counter is declared ${counter.declaredType || 'untyped'}, not an integer; a replication counter must be an INTEGER column`,
      { ...config, declaredType: counter.declaredType },
    );
  }
  const indexed = counter === undefined || isRowidAlias(table, counter) || table.indexLeaders.some((c) => sameName(c, counter.name));
  if (!indexed) {
    throw new AsyncClientError(
      'E_UPLOAD_COUNTER_NOT_INDEXED',
      `${where}: no index starts with ${counter?.name}, so every upload would scan the whole table; run CREATE INDEX ${quoteName(`${table.name}_${config.counterColumn}`)} ON ${quoteName(table.name)} (${quoteName(config.counterColumn)})`,
      { ...config },
    );
  }
  return {
    table: table.name,
    counterColumn: counter?.name ?? config.counterColumn,
    columns: table.columns.map((c) => ({
      name: c.name,
      type: columnTypeOf(c.declaredType),
      nullable: !c.notNull && !isRowidAlias(table, c),
    })),
    primaryKey: table.primaryKey,
  };
}

/** The SQL that selects a table's rows past `fromExclusive` up to an upper bound, with the profile's filter. */
export function rangeSql(config: UploadTableConfig, select: string, upperBound: '<= ?' | ''): string {
  const counter = quoteName(config.counterColumn);
  const bound = upperBound === '' ? '' : ` AND ${counter} ${upperBound}`;
  const filter = config.filter === undefined ? '' : ` AND (${config.filter})`;
  return `SELECT ${select} FROM ${quoteName(config.table)} WHERE ${counter} > ?${bound}${filter}`;
}
