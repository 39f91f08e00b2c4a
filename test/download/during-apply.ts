import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import type { RowBatch } from '../../src/package/types.js';

/** The real adapter, except that its first apply runs `meanwhile` (the POS's work) once the first batch of rows went in. */
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
      if (property === 'applyPackage') {
        return (...[manifest, batches, options]: Parameters<ChannelDatabase['applyPackage']>) =>
          target.applyPackage(manifest, armed ? thenMeanwhile(batches) : batches, options);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
