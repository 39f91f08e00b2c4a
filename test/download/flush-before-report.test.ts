import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import type { Product } from './download-store.js';
import { DownloadStore } from './download-store.js';

let store: DownloadStore;
beforeEach(async () => {
  store = await DownloadStore.create();
});
afterEach(async () => {
  await store.close();
});

const products = (from: number, to: number): Product[] =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, `product ${from + i}`, 100 + i] as const);

/** Wraps `target` so that the named methods log an event (with their first argument, or its length for a batch) once they resolve. */
function recording<T extends object>(target: T, methods: readonly string[], events: string[]): T {
  return new Proxy(target, {
    get(inner, property, receiver) {
      const value: unknown = Reflect.get(inner, property, receiver);
      if (typeof value !== 'function') return value;
      if (!methods.includes(String(property))) return value.bind(inner);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(inner, args);
        const subject = args[0] as { sequence?: number } | string | undefined;
        const shown = Array.isArray(subject) ? `x${subject.length}` : typeof subject === 'object' ? subject.sequence : (subject ?? '');
        events.push(`${String(property)} ${shown}`.trim());
        return result;
      };
    },
  });
}

describe('download cycle: HQ hears of an applied package only once its commit is flushed', () => {
  test('a backlog shares one flush, and every report and move comes after it, the group told of in one batch of each', async () => {
    for (let sequence = 1; sequence <= 5; sequence += 1) {
      await store.publish(sequence, products(sequence * 10, sequence * 10 + 2), { kind: sequence === 1 ? 'full' : 'incremental' });
    }
    const events: string[] = [];
    store.cycleDatabase = recording<ChannelDatabase>(store.cycleDatabase, ['applyPackage', 'flush'], events);
    store.folder = recording<WorkingFolder>(store.folder, ['writeAtomic', 'move', 'writeAtomicEach', 'moveEach'], events);

    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 5 } });

    const flushes = events.flatMap((event, i) => (event === 'flush' ? [i] : []));
    expect(flushes).toHaveLength(1);
    const applies = events.flatMap((event, i) => (event.startsWith('applyPackage') ? [i] : []));
    expect(applies).toHaveLength(5);
    expect(Math.max(...applies)).toBeLessThan(flushes[0] as number);
    const told = events.flatMap((event, i) => (event.startsWith('writeAtomic') || event.startsWith('move') ? [i] : []));
    expect(told.map((i) => events[i])).toEqual(['writeAtomicEach x5', 'moveEach x5']);
    expect(Math.min(...told)).toBeGreaterThan(flushes[0] as number);
    expect(await store.statusReport(5)).toMatchObject({ status: 'Applied', sequence: 5 });
    expect(await store.namesIn('applied')).toHaveLength(5);
  });
});
