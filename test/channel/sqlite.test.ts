import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import { JOURNAL_SCHEMA_VERSION } from '../../src/channel/sqlite-migrations.js';
import { Decimal } from '../../src/package/types.js';
import { describeChannelDatabaseContract } from './contract.js';
import { applied, failingAfter, manifest, seen, seenPackage, stream, table, upserts } from './fixtures.js';
import { openSqliteSubject } from './sqlite-subject.js';
import type { ChannelDatabaseSubject } from './subject.js';

describeChannelDatabaseContract('sqlite', () => openSqliteSubject());

describe('SQLite channel database', () => {
  let subject: ChannelDatabaseSubject & { readonly file: string };
  beforeEach(async () => {
    subject = await openSqliteSubject();
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  test('runs in WAL mode with synchronous FULL and describes itself', async () => {
    expect(subject.db.describe()).toEqual({
      engine: 'sqlite',
      location: subject.file,
      readonly: false,
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      settings: { journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000, sqliteVersion: expect.stringMatching(/^3\./) },
    });
    expect(await subject.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    await expect(subject.db.check()).resolves.toBeUndefined();
  });

  test('a commit HQ may be told of is flushed even right after unflushed ones; the unflushed ones are not', async () => {
    await subject.pos('CREATE TABLE commit_levels (status TEXT NOT NULL, synchronous INTEGER NOT NULL)');
    for (const event of ['INSERT', 'UPDATE']) {
      await subject.pos(`CREATE TRIGGER level_on_${event} AFTER ${event} ON async_client_download_session
        BEGIN INSERT INTO commit_levels SELECT NEW.status, synchronous FROM pragma_synchronous; END`);
    }
    const product = table('product', [['id', 'integer', false]], ['id'], { upserts: 1, deletes: 0 });
    const first = await subject.db.downloads.recordDownloaded(seenPackage(1));
    await subject.db.downloads.markApplyFailed(first.id, { code: 'E_DATABASE_BUSY', message: 'the POS held the lock' }, null);
    await subject.db.recordAndApply(seenPackage(2), manifest(2, 'full', [product]), stream(upserts(product, [[1]])), {
      allowCreateTables: true,
    });
    await subject.db.downloads.cancel(first.id, 'an operator', 'replaced');

    expect(await subject.query('SELECT status, synchronous FROM commit_levels ORDER BY rowid')).toEqual([
      { status: 'Downloaded', synchronous: 1 },
      { status: 'ApplyFailed', synchronous: 2 },
      { status: 'Applied', synchronous: 1 },
      { status: 'Canceled', synchronous: 2 },
    ]);
    expect(subject.db.describe().settings).toMatchObject({ synchronous: 2 });
  });

  test('a small package is recorded in the transaction of its rows: a failed apply leaves no session behind', async () => {
    const product = table('product', [['id', 'integer', false]], ['id'], { upserts: 2, deletes: 0 });
    const cut = new Error('package removed by HQ while being read');
    await expect(
      subject.db.recordAndApply(seenPackage(1), manifest(1, 'full', [product]), failingAfter(cut, upserts(product, [[1]])), {
        allowCreateTables: true,
      }),
    ).rejects.toBe(cut);
    expect(await subject.db.downloads.list()).toEqual([]);
    expect(await subject.query("SELECT name FROM sqlite_schema WHERE name = 'product'")).toEqual([]);
  });

  test('a journal write that fails after the rows takes the rows back with it', async () => {
    const product = table(
      'product',
      [
        ['id', 'integer'],
        ['price', 'decimal'],
      ],
      ['id'],
    );
    const session = await seen(subject.db, 1);
    await subject.pos(`CREATE TRIGGER refuse_applied BEFORE UPDATE ON async_client_download_session
      WHEN NEW.status = 'Applied' BEGIN SELECT RAISE(ABORT, 'journal write injected to fail'); END`);
    await expect(
      subject.db.applyPackage(manifest(1, 'full', [product]), stream(upserts(product, [[1, new Decimal('1.00')]])), {
        sessionId: session.id,
        allowCreateTables: true,
      }),
    ).rejects.toMatchObject({ code: 'E_DATABASE_CONSTRAINT', message: expect.stringContaining('journal write injected') });
    expect(await subject.query("SELECT name FROM sqlite_schema WHERE name = 'product'")).toEqual([]);
    expect((await subject.db.downloads.find(session.id))?.status).toBe('Available');
  });

  test('rowid serves as the counter of an append-only table', async () => {
    await subject.pos('CREATE TABLE sale_line (sale_id INTEGER NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (sale_id, line))');
    await expect(subject.db.uploads.describeTable({ table: 'sale_line', counterColumn: 'rowid' })).resolves.toMatchObject({
      counterColumn: 'rowid',
      primaryKey: ['sale_id', 'line'],
    });
  });

  test('text with a NUL character travels unchanged', async () => {
    const note = table(
      'note',
      [
        ['id', 'integer'],
        ['text', 'string'],
      ],
      ['id'],
    );
    await applied(subject.db, manifest(1, 'full', [note]), upserts(note, [[1, 'a\u0000b']]));
    expect(await subject.query('SELECT text FROM note')).toEqual([{ text: 'a\u0000b' }]);
  });

  test('a journal written by a newer build is refused, not guessed at', async () => {
    await subject.pos("UPDATE async_client_meta SET value = '99' WHERE key = 'schema_version'");
    await expect(subject.reopen()).rejects.toMatchObject({
      code: 'E_DATABASE_SCHEMA_NEWER',
      message: expect.stringContaining('schema version 99'),
    });
  });

  test('a database opened read-only fails the preflight, and writes say read-only', async () => {
    const readonly = await openSqliteChannelDatabase(subject.file, { channelId: 'store-1', readonly: true });
    try {
      await expect(readonly.check()).rejects.toMatchObject({ code: 'E_DATABASE_READONLY', message: expect.stringContaining(subject.file) });
      await expect(seen(readonly, 1)).rejects.toMatchObject({ code: 'E_DATABASE_READONLY' });
      expect(await readonly.downloads.list()).toEqual([]);
    } finally {
      await readonly.close();
    }
  });

  test('the preflight fails when the disk has less room than required', async () => {
    const db = await openSqliteChannelDatabase(subject.file, { channelId: 'store-1', minFreeBytes: Number.MAX_SAFE_INTEGER });
    try {
      await expect(db.check()).rejects.toMatchObject({ code: 'E_DATABASE_DISK_LOW' });
    } finally {
      await db.close();
    }
  });
});

describe('opening a SQLite channel database', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'async-client-channel-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('in a folder that does not exist says which folder', async () => {
    const missing = path.join(folder, 'no-such-folder');
    await expect(openSqliteChannelDatabase(path.join(missing, 'channel.db'), { channelId: 'store-1' })).rejects.toMatchObject({
      code: 'E_DATABASE_FOLDER_MISSING',
      message: expect.stringContaining(missing),
    });
  });

  test('read-only, of a file that does not exist, says so', async () => {
    await expect(
      openSqliteChannelDatabase(path.join(folder, 'channel.db'), { channelId: 'store-1', readonly: true }),
    ).rejects.toMatchObject({ code: 'E_DATABASE_OPEN' });
  });
});
