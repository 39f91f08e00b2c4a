import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type PostgresTestDatabase, postgresTestDatabase } from '../support/postgres-server.js';
import type { TempStore } from '../support/temp-store.js';
import { CHANNEL, preparePosDatabase, readDatabase, readSessions, rowDigest } from './download-backlog.js';

/** What a daemon test checks in the channel database after the fact, read on a connection of its own. */
export interface BacklogState {
  /** SHA-256 per row of the `item` table, sorted (see Backlog.expectedRowDigests). */
  readonly rowDigests: string[];
  /** Row changes the POS's trigger counted: a package applied twice counts twice. */
  readonly itemChanges: number;
  /** The journal's download sessions in sequence order; none before the daemon made its journal. */
  readonly sessions: readonly { sequence: number; status: string; rowsAffected: Record<string, number>; appliedAt: string | null }[];
}

/** The store's channel database on one engine, for the tests that run the daemon on each. */
export interface BacklogDatabase {
  /** As the POS has it before the daemon first starts: the `item` table and its change counter. Call after store.writeProfile: points the profile at the database. */
  prepare(): Promise<void>;
  read(): Promise<BacklogState>;
  /** The journal's sessions alone, cheap enough to poll. */
  sessions(): Promise<BacklogState['sessions']>;
  cleanup(): Promise<void>;
}

export interface BacklogEngine {
  readonly name: 'SQLite' | 'PostgreSQL';
  /**
   * Rows per package for a test written with `rows` on SQLite in mind. PostgreSQL gets a fifth:
   * the POS's trigger updates one counter row for every row changed, and PostgreSQL takes longer
   * for each further update of the same row in one transaction (15,000 rows took 5 s a package).
   */
  packageRows(rows: number): number;
  /** The channel database of `store`, not created yet. */
  database(store: TempStore): Promise<BacklogDatabase>;
}

const SQLITE: BacklogEngine = {
  name: 'SQLite',
  packageRows: (rows) => rows,
  async database(store) {
    return {
      async prepare() {
        await mkdir(store.stateDirectory, { recursive: true });
        preparePosDatabase(store.databasePath);
      },
      async read() {
        const { rowDigests, itemChanges, sessions } = readDatabase(store.databasePath);
        return { rowDigests, itemChanges, sessions: sessions.map(sessionOf) };
      },
      sessions: async () => readSessions(store.databasePath).map(sessionOf),
      cleanup: async () => undefined,
    };
  },
};

const POSTGRES: BacklogEngine = {
  name: 'PostgreSQL',
  packageRows: (rows) => Math.ceil(rows / 5),
  async database(store) {
    const database = await postgresTestDatabase();
    const sessions = async (): Promise<BacklogState['sessions']> => {
      const journal = await database.admin("SELECT to_regclass('async_client.download_session') IS NOT NULL AS found");
      if (journal.rows[0]?.found !== true) return [];
      const found = await database.admin(
        `SELECT sequence, status, rows_affected AS "rowsAffected", to_json(applied_at) #>> '{}' AS "appliedAt"
         FROM async_client.download_session ORDER BY sequence, id`,
      );
      return found.rows as BacklogState['sessions'];
    };
    return {
      async prepare() {
        await database.admin('CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL, price bigint NOT NULL)');
        await database.admin('CREATE TABLE item_changes (changes bigint NOT NULL); INSERT INTO item_changes VALUES (0)');
        await database.admin(`CREATE FUNCTION count_item_change() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN UPDATE item_changes SET changes = changes + 1; RETURN NULL; END $$`);
        await database.admin(
          'CREATE TRIGGER item_changed AFTER INSERT OR UPDATE OR DELETE ON item FOR EACH ROW EXECUTE FUNCTION count_item_change()',
        );
        await pointProfileAtPostgres(store, database);
      },
      sessions,
      async read() {
        const rows = (await database.admin('SELECT id, name, price FROM item')).rows as { id: number; name: string; price: number }[];
        return {
          rowDigests: rows.map((r) => rowDigest([r.id, r.name, r.price])).sort(),
          itemChanges: Number((await database.admin('SELECT changes FROM item_changes')).rows[0]?.changes),
          sessions: await sessions(),
        };
      },
      cleanup: () => database.cleanup(),
    };
  },
};

function sessionOf(row: ReturnType<typeof readSessions>[number]): BacklogState['sessions'][number] {
  return {
    sequence: row.sequence,
    status: row.status,
    rowsAffected: JSON.parse(row.rows_affected) as Record<string, number>,
    appliedAt: row.applied_at,
  };
}

/** For `describe.each(BACKLOG_ENGINES)('... on $name', (engine) => ...)`. */
export const BACKLOG_ENGINES: readonly BacklogEngine[] = [SQLITE, POSTGRES];

/** Points the store's profile (as store.writeProfile wrote it) at `database`, with the password in a file beside it. */
export async function pointProfileAtPostgres(store: TempStore, database: PostgresTestDatabase): Promise<void> {
  const { target } = database;
  await writeFile(path.join(store.root, 'db-password'), `${target.password}\n`);
  const url = `postgres://${target.user}@${target.host}:${target.port}/${target.database}`;
  const text = await readFile(store.profilePath, 'utf8');
  await writeFile(
    store.profilePath,
    text.replace(
      `  id: ${CHANNEL}\n`,
      `  id: ${CHANNEL}\n  database:\n    engine: postgres\n    url: ${url}\n    passwordFile: db-password\n`,
    ),
  );
}
