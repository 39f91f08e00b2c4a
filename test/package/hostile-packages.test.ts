import { Readable } from 'node:stream';
import { errorCode, errorMessage } from '../../src/errors.js';
import { verifyPackage } from '../../src/package/reader.js';
import { hostileCases } from './hostile-packages.js';

const target = { channelId: 'store-7', sequence: 2 };

describe('every crafted package is refused by the reader with its code', () => {
  it.each(hostileCases(target).map((hostile) => [hostile.name, hostile] as const))('%s', async (_name, hostile) => {
    const bytes = hostile.bytes();
    const refusal = await verifyPackage(() => Readable.from([bytes]), { expectedChannelId: 'store-7', expectedDirection: 'download' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(errorCode(refusal)).toBe(hostile.code);
    expect(errorMessage(refusal)).toMatch(hostile.message);
    expect(errorMessage(refusal)).not.toContain('\n');
  });
});
