import fc from 'fast-check';
import { packageFileName, parsePackageFileName } from '../../src/package/file-name.js';

describe('package file names', () => {
  it('carry channel, direction and a 12-digit sequence, and parse back', () => {
    const name = packageFileName({ channelId: 'store_042', direction: 'download', sequence: 17 });
    expect(name).toBe('store_042_download_000000000017.acpkg');
    expect(parsePackageFileName(name)).toEqual({ channelId: 'store_042', direction: 'download', sequence: 17 });
  });

  it('sort in sequence order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), fc.integer({ min: 1, max: 999_999_999_999 }), (a, b) => {
        const [nameA, nameB] = [a, b].map((sequence) => packageFileName({ channelId: 'c1', direction: 'upload', sequence }));
        expect(Math.sign((nameA as string).localeCompare(nameB as string, 'en'))).toBe(Math.sign(a - b));
        expect((nameA as string) < (nameB as string)).toBe(a < b);
      }),
    );
  });

  it.each([
    '.store1_download_000000000001.acpkg.tmp-ab12',
    'store1_download_000000000001.acpkg.partial',
    'store1_download_000000000001.acpkg.tmp',
    'store1_download_00000000001.acpkg',
    'store1_download_000000000000.acpkg',
    'store1_sideways_000000000001.acpkg',
    '../store1_download_000000000001.acpkg',
    'a/store1_download_000000000001.acpkg',
    'a\\store1_download_000000000001.acpkg',
    'store1\0_download_000000000001.acpkg',
    'store1_download_000000000001.acpkg\n',
    '_download_000000000001.acpkg',
    'store1_download_000000000001.ACPKG',
  ])('does not take %j for a complete package', (name) => {
    expect(parsePackageFileName(name)).toBeUndefined();
  });

  it('refuses to build a name from an unsafe channel id or sequence', () => {
    expect(() => packageFileName({ channelId: '..', direction: 'download', sequence: 1 })).toThrow(RangeError);
    expect(() => packageFileName({ channelId: 'a/b', direction: 'download', sequence: 1 })).toThrow(RangeError);
    expect(() => packageFileName({ channelId: 'a', direction: 'download', sequence: 0 })).toThrow(RangeError);
    expect(() => packageFileName({ channelId: 'a', direction: 'download', sequence: 1e12 })).toThrow(RangeError);
  });
});
