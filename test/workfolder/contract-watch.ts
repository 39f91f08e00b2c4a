import type { AsyncClientError } from '../../src/errors.js';
import { until } from '../support/until.js';
import type { ContractSubject } from './contract.js';

/** The contract's promises about `watch`; `current` gives the test's subject. */
export function describeWatch(current: () => ContractSubject): void {
  test('watch reports a file that appears as soon as it settles; not one there before it, nor a hidden one', async () => {
    const subject = current();
    const { folder } = subject;
    await folder.ensureDir('in');
    await subject.plantFile('in/before.txt', 'there at the start');
    const reported: string[] = [];
    const errors: AsyncClientError[] = [];
    const watch = await folder.watch('in', (names) => reported.push(...names), {
      pollSeconds: 1,
      polling: false,
      onError: (error) => errors.push(error),
    });
    try {
      // Planted the moment the watch settles: a watch still taking its first look counts them as there at the start.
      await subject.plantFile('in/.after.tmp-hq', 'being written');
      await subject.plantFile('in/after.txt', 'arrived');

      await until('the new file is reported', () => reported.includes('after.txt'), 30_000);
      expect(new Set(reported)).toEqual(new Set(['after.txt']));
      expect(errors).toEqual([]);
    } finally {
      await watch.close();
    }
  });
}
