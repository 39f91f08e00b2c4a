import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { useOwnCluster } from '../channel/postgres-own-cluster.js';
import { type DownloadStore, type Product, useDownloadStore } from './download-store.js';

const products = (from: number, to: number): Product[] =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, `product ${from + i}`, 100 + i] as const);

/** What tells HQ of a package: its status report, and the move of its file to applied/. */
const REPORTS = ['writeAtomic', 'move', 'writeAtomicEach', 'moveEach'];

/**
 * Wraps `target` so that the named methods log an event (with their first argument, or its
 * length for a batch) once they resolve, after awaiting `before` with the method's name.
 */
function recording<T extends object>(
  target: T,
  methods: readonly string[],
  events: string[],
  before: (method: string) => Promise<void> = async () => undefined,
): T {
  return new Proxy(target, {
    get(inner, property, receiver) {
      const value: unknown = Reflect.get(inner, property, receiver);
      if (typeof value !== 'function') return value;
      if (!methods.includes(String(property))) return value.bind(inner);
      return async (...args: unknown[]) => {
        await before(String(property));
        const result: unknown = await value.apply(inner, args);
        const subject = args[0] as { sequence?: number } | string | undefined;
        const shown = Array.isArray(subject) ? `x${subject.length}` : typeof subject === 'object' ? subject.sequence : (subject ?? '');
        events.push(`${String(property)} ${shown}`.trim());
        return result;
      };
    },
  });
}

/** HQ's backlog of five small packages, the first a full one. */
async function publishBacklog(store: DownloadStore): Promise<void> {
  for (let sequence = 1; sequence <= 5; sequence += 1) {
    await store.publish(sequence, products(sequence * 10, sequence * 10 + 2), { kind: sequence === 1 ? 'full' : 'incremental' });
  }
}

let store: DownloadStore;
describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, (created) => {
    store = created;
  });

  describe('download cycle: HQ hears of an applied package only once its commit is flushed', () => {
    test('a backlog shares one flush, and every report and move comes after it, the group told of in one batch of each', async () => {
      await publishBacklog(store);
      const events: string[] = [];
      store.cycleDatabase = recording<ChannelDatabase>(store.cycleDatabase, ['recordAndApply', 'flush'], events);
      store.folder = recording<WorkingFolder>(store.folder, REPORTS, events);

      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 5 } });

      const flushes = events.flatMap((event, i) => (event === 'flush' ? [i] : []));
      expect(flushes).toHaveLength(1);
      const applies = events.flatMap((event, i) => (event.startsWith('recordAndApply') ? [i] : []));
      expect(applies).toHaveLength(5);
      expect(Math.max(...applies)).toBeLessThan(flushes[0] as number);
      const told = events.flatMap((event, i) => (event.startsWith('writeAtomic') || event.startsWith('move') ? [i] : []));
      expect(told.map((i) => events[i])).toEqual(['writeAtomicEach x5', 'moveEach x5']);
      expect(Math.min(...told)).toBeGreaterThan(flushes[0] as number);
      expect(await store.statusReport(5)).toMatchObject({ status: 'Applied', sequence: 5 });
      expect(await store.namesIn('applied')).toHaveLength(5);
    });

    test('when HQ is told, another connection already sees every package told of as Applied', async () => {
      await publishBacklog(store);
      const observer = await store.subject.connect();
      const seen: string[][] = [];
      try {
        store.folder = recording<WorkingFolder>(store.folder, REPORTS, [], async (method) => {
          const sessions = await observer.downloads.list();
          seen.push([method, ...sessions.map((s) => `${s.sequence} ${s.status}`).sort()]);
        });
        expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 5 } });
      } finally {
        await observer.close();
      }
      const applied = [1, 2, 3, 4, 5].map((sequence) => `${sequence} Applied`);
      expect(seen).toEqual([
        ['writeAtomicEach', ...applied],
        ['moveEach', ...applied],
      ]);
    });
  });
});

/**
 * PostgreSQL has no flush of ours to wait for: a commit is on disk when it returns, unless the
 * server is set to `synchronous_commit = off` (a common tuning for a POS), where it sits in the
 * server's memory until the WAL writer's next round (10 s here). A server crash (immediate
 * stop) then undoes it: the daemon must commit durably whatever the server's setting.
 */
describe('on PostgreSQL set to synchronous_commit = off: a server crash after HQ was told loses no Applied commit', () => {
  const cluster = useOwnCluster({ synchronous_commit: 'off', wal_writer_delay: '10s' });
  useDownloadStore(cluster.engine, (created) => {
    store = created;
  });

  test('every package reported Applied is still Applied, with its rows, after the server restarts', async () => {
    await publishBacklog(store);
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 5 } });
    expect(await store.namesIn('applied')).toHaveLength(5);

    await cluster.crash();
    await cluster.start();

    await store.subject.reopen();
    expect((await store.db.downloads.list()).map((s) => [s.sequence, s.status])).toEqual(
      [5, 4, 3, 2, 1].map((sequence) => [sequence, 'Applied']),
    );
    expect(await store.products()).toHaveLength(15);
  });
});
