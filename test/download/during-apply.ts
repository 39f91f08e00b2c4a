import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { RowBatch } from '../../src/package/types.js';

/** The real adapter, except that the cycle's first apply runs `meanwhile` (the POS's work) once the first batch of rows went in. */
export function duringFirstApply(inner: ChannelDatabase, meanwhile: () => Promise<void>): ChannelDatabase {
  let armed = true;
  async function* thenMeanwhile(batches: AsyncIterable<RowBatch>): AsyncIterable<RowBatch> {
    for await (const batch of batches) {
      yield batch;
      if (armed) {
        armed = false;
        await meanwhile();
      }
    }
  }
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'recordAndApply') {
        return (...[pkg, manifest, batches, policy]: Parameters<ChannelDatabase['recordAndApply']>) =>
          target.recordAndApply(pkg, manifest, armed ? thenMeanwhile(batches) : batches, policy);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
