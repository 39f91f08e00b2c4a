import pg from 'pg';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { Decimal } from '../../src/package/types.js';
import { openPostgresSubject } from './postgres-subject.js';
import type { ChannelDatabaseSubject } from './subject.js';

type PostgresSubject = Awaited<ReturnType<typeof openPostgresSubject>>;

/** Products `from` .. `from + count - 1`, at 1.50 each. */
export const rows = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => [from + i, `product ${from + i}`, new Decimal('1.50')]);

export const productCount = async (subject: ChannelDatabaseSubject): Promise<unknown> =>
  (await subject.query('SELECT COUNT(*) AS n FROM product'))[0]?.n;

/** A fresh PostgreSQL subject for each test, with the channel databases and POS sessions the test opens beside it. */
export interface FaultScene {
  subject(): PostgresSubject;
  /** Closes `db` after the test (or at `closeKept`). */
  keep(db: ChannelDatabase): void;
  closeKept(): Promise<void>;
  /** A POS connection of its own, ended after the test. */
  posSession(): Promise<pg.Client>;
}

export function faultScenePerTest(): FaultScene {
  let subject: PostgresSubject | undefined;
  const kept: ChannelDatabase[] = [];
  const pos: pg.Client[] = [];
  const scene: FaultScene = {
    subject: () => {
      if (!subject) throw new Error('the subject is opened only for a test');
      return subject;
    },
    keep: (db) => {
      kept.push(db);
    },
    closeKept: async () => {
      await Promise.all(kept.splice(0).map((db) => db.close()));
    },
    posSession: async () => {
      const client = new pg.Client({ connectionString: scene.subject().database.url });
      await client.connect();
      pos.push(client);
      return client;
    },
  };
  beforeEach(async () => {
    subject = await openPostgresSubject();
  });
  afterEach(async () => {
    await scene.closeKept();
    await Promise.all(pos.splice(0).map((client) => client.end()));
    await subject?.cleanup();
    subject = undefined;
  });
  return scene;
}
