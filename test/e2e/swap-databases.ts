import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { POS_TYPES, postgresTestDatabase } from '../support/postgres-server.js';
import type { TempStore } from '../support/temp-store.js';
import { pointProfileAtPostgres } from './backlog-databases.js';

/** What the POS can see of `product` at one moment, read on a connection of its own. */
export interface SwapView {
  /** Rows per name prefix (`old`, `new`): a mix would show both. */
  readonly versions: readonly { version: string; n: number }[];
  /** Applied download sessions in the journal; 0 before the daemon made it. */
  readonly applied: number;
  /** What the apply left behind: SQLite's shadow tables and staging files; on PostgreSQL any table but `product`. */
  readonly leftovers: number;
}

/** The store's channel database on one engine, for the daemon's full-swap crash test. */
export interface SwapDatabase {
  /** The POS's `product` table with `rows` old rows and its own index on `name`; call after store.writeProfile. */
  prepare(rows: number): Promise<void>;
  view(): Promise<SwapView>;
  /** The engine's own check that a kill left the database sound (SQLite: integrity_check); throws if not. */
  assertSound(): Promise<void>;
  /** The indexes of `product` other than its primary key. */
  indexes(): Promise<string[]>;
  price(id: number): Promise<number>;
  cleanup(): Promise<void>;
}

export interface SwapEngine {
  readonly name: 'SQLite' | 'PostgreSQL';
  database(store: TempStore): Promise<SwapDatabase>;
}

const SQLITE: SwapEngine = {
  name: 'SQLite',
  async database(store) {
    const read = <T>(work: (db: Database.Database) => T): T => {
      const db = new Database(store.databasePath, { readonly: true });
      try {
        return work(db);
      } finally {
        db.close();
      }
    };
    return {
      async prepare(rows) {
        await mkdir(store.stateDirectory, { recursive: true });
        const pos = new Database(store.databasePath);
        pos.exec(
          'CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL); CREATE INDEX product_name ON product (name)',
        );
        const insert = pos.prepare('INSERT INTO product VALUES (?, ?, ?)');
        pos.transaction(() => {
          for (let id = 1; id <= rows; id += 1) insert.run(id, `old ${id}`, id);
        })();
        pos.close();
      },
      view: async () =>
        read((db) => {
          const journal = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'async_client_download_session'").get() !== undefined;
          return {
            versions: db
              .prepare('SELECT substr(name, 1, 3) AS version, COUNT(*) AS n FROM product GROUP BY 1 ORDER BY 1')
              .all() as SwapView['versions'],
            applied: journal
              ? (db.prepare("SELECT COUNT(*) FROM async_client_download_session WHERE status = 'Applied'").pluck().get() as number)
              : 0,
            leftovers:
              (db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE 'async_client_shadow_%'").pluck().get() as number) +
              readdirSync(path.dirname(store.databasePath)).filter((name) =>
                name.startsWith(`${path.basename(store.databasePath)}.staging-`),
              ).length,
          };
        }),
      async assertSound() {
        const integrity = read((db) => db.prepare('PRAGMA integrity_check').pluck().get());
        if (integrity !== 'ok') throw new Error(`integrity_check: ${String(integrity)}`);
      },
      indexes: async () =>
        read(
          (db) =>
            db
              .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'product' AND sql IS NOT NULL")
              .pluck()
              .all() as string[],
        ),
      price: async (id) => read((db) => db.prepare('SELECT price FROM product WHERE id = ?').pluck().get(id) as number),
      cleanup: async () => undefined,
    };
  },
};

const POSTGRES: SwapEngine = {
  name: 'PostgreSQL',
  async database(store) {
    const database = await postgresTestDatabase();
    const one = async (sql: string, params?: unknown[]): Promise<unknown> =>
      Object.values((await database.admin(sql, params)).rows[0] ?? {})[0];
    return {
      async prepare(rows) {
        await database.admin(
          'CREATE TABLE product (id bigint PRIMARY KEY, name text NOT NULL, price bigint NOT NULL); CREATE INDEX product_name ON product (name)',
        );
        await database.admin("INSERT INTO product SELECT id, 'old ' || id, id FROM generate_series(1, $1::int) AS id", [rows]);
        await pointProfileAtPostgres(store, database);
      },
      async view() {
        // One snapshot for all three: a commit the killed daemon had sent may land while we read.
        const client = new pg.Client({ connectionString: database.url, types: POS_TYPES });
        await client.connect();
        try {
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const scalar = async (sql: string): Promise<number> => Number(Object.values((await client.query(sql)).rows[0] ?? {})[0]);
          const journal = (await scalar("SELECT (to_regclass('async_client.download_session') IS NOT NULL)::int")) === 1;
          return {
            versions: (await client.query('SELECT substr(name, 1, 3) AS version, COUNT(*) AS n FROM product GROUP BY 1 ORDER BY 1')).rows,
            applied: journal ? await scalar("SELECT COUNT(*) FROM async_client.download_session WHERE status = 'Applied'") : 0,
            leftovers: await scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'product'"),
          };
        } finally {
          await client.end();
        }
      },
      // The server's own recovery rolls back what a killed client left; nothing of ours to check beyond the view.
      assertSound: async () => undefined,
      indexes: async () =>
        (await database.admin("SELECT indexname FROM pg_indexes WHERE tablename = 'product' AND indexname <> 'product_pkey'")).rows.map(
          (r) => r.indexname as string,
        ),
      price: async (id) => Number(await one('SELECT price FROM product WHERE id = $1', [id])),
      cleanup: () => database.cleanup(),
    };
  },
};

/** For `describe.each(SWAP_ENGINES)('... on $name', (engine) => ...)`. */
export const SWAP_ENGINES: readonly SwapEngine[] = [SQLITE, POSTGRES];
