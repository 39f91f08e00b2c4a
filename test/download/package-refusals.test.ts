import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeTail, FOOTER_BYTES } from '../../src/package/frame.js';
import { generateSigningKeyPair, verifyPackage } from '../../src/package/index.js';
import { type DownloadStore, FOLDERS, type Product, useDownloadStore } from './download-store.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';

let store: DownloadStore;
describe.each(CHANNEL_ENGINES)('on $name', (engine) => {
  useDownloadStore(engine, async (created) => {
    store = created;
    await store.publish(1, [[1, 'kept', 10]], { kind: 'full' });
    expect((await store.run()).outcome).toBe('done');
  });

  const LATER: Product[] = [[3, 'later', 30]];

  /**
   * Sequence 2 is the bad package; sequence 3 waits behind it. Whatever the format refuses
   * cannot heal by retrying the same bytes, so the session is Suspended at once.
   */
  async function expectRefused(code: string, messagePart: string): Promise<void> {
    await store.publish(3, LATER);
    const report = await store.run();
    expect(report).toMatchObject({ outcome: 'failed', fields: { applied: 0, failed: 1 } });
    const session = await store.db.downloads.findBySequence(2);
    expect(session).toMatchObject({ status: 'Suspended', tries: 1, errorCode: code, appliedAt: null });
    expect(session?.errorMessage).toContain(messagePart);
    expect(await store.products()).toEqual([[1, 'kept', 10]]);
    expect(await store.db.downloads.findBySequence(3)).toBeNull();
    expect(await store.namesIn('download')).toEqual([store.fileName(2), store.fileName(3)]);
    expect(await store.statusReport(2)).toMatchObject({ status: 'Suspended', tries: 1, message: session?.errorMessage, rowsAffected: {} });
    const failed = store.events('download.failed');
    expect(failed).toEqual([expect.objectContaining({ code, sequence: 2, file: store.fileName(2), tries: 1, status: 'Suspended' })]);
    expect(await store.metric('async_client_download_packages_failed_total', { code })).toBe(1);
    expect(await store.metric('async_client_download_packages_suspended_total')).toBe(1);
    expect(await store.staged()).toEqual([]);

    const blocked = await store.run();
    expect(blocked).toMatchObject({ outcome: 'idle', fields: { waiting: 'suspended', waitingFor: 2 } });
    expect(blocked.summary).toContain('sequence 2 is Suspended');
    expect(store.events('download.waiting')).toEqual([expect.objectContaining({ sequence: 2, reason: 'suspended', waitingPackages: 1 })]);
    expect(await store.products()).toEqual([[1, 'kept', 10]]);
  }

  async function corrupt(sequence: number, change: (bytes: Buffer) => Buffer): Promise<void> {
    const file = path.join(store.folderRoot, FOLDERS.download, store.fileName(sequence));
    await writeFile(file, change(await store.readPackage(sequence)));
  }

  describe('download cycle: packages the format refuses are never partly applied', () => {
    test('a truncated package', async () => {
      await store.publish(2, [
        [1, 'overwritten', 0],
        [2, 'new', 20],
      ]);
      await corrupt(2, (bytes) => bytes.subarray(0, bytes.length - 40));
      await expectRefused('E_PACKAGE_TRUNCATED', store.fileName(2));
    });

    test('a flipped bit in the compressed body', async () => {
      await store.publish(2, [
        [1, 'overwritten', 0],
        [2, 'new', 20],
      ]);
      await corrupt(2, (bytes) => {
        const copy = Buffer.from(bytes);
        copy[40] = (copy[40] as number) ^ 0x01;
        return copy;
      });
      const code = await refusalCode();
      expect(['E_PACKAGE_CHECKSUM', 'E_PACKAGE_CORRUPT']).toContain(code);
      await expectRefused(code, store.fileName(2));
    });

    test('a trailer whose checksum does not match the body', async () => {
      await store.publish(2, [[1, 'overwritten', 0]]);
      await corrupt(2, (bytes) => {
        const trailerBytes = parseInt(
          bytes.subarray(bytes.length - FOOTER_BYTES + 1, bytes.length - FOOTER_BYTES + 9).toString('latin1'),
          16,
        );
        const body = bytes.subarray(0, bytes.length - FOOTER_BYTES - trailerBytes);
        return Buffer.concat([body, encodeTail({ sha256: 'f'.repeat(64) })]);
      });
      await expectRefused('E_PACKAGE_CHECKSUM', store.fileName(2));
    });

    test("a package of another channel under this channel's name is refused at verify", async () => {
      await store.publish(2, [[1, 'overwritten', 0]], { channelId: 'store-8', fileName: store.fileName(2) });
      await expectRefused('E_PACKAGE_CHANNEL', 'store-8');
    });

    describe("with HQ's public key pinned", () => {
      const hq = generateSigningKeyPair();
      beforeEach(async () => {
        const keyFile = path.join(store.root, 'hq.pub.pem');
        await writeFile(keyFile, hq.publicKeyPem);
        store.settings = { ...store.settings, publicKey: keyFile };
      });

      test('an unsigned package is refused', async () => {
        await store.publish(2, [[1, 'overwritten', 0]]);
        await expectRefused('E_PACKAGE_SIGNATURE', 'not signed');
      });

      test('a package signed with another key is refused', async () => {
        await store.publish(2, [[1, 'overwritten', 0]], { writer: { signingKey: generateSigningKeyPair().privateKeyPem } });
        await expectRefused('E_PACKAGE_SIGNATURE', 'does not match the pinned public key');
      });

      test("a package signed with HQ's key is applied", async () => {
        await store.publish(2, [[2, 'signed', 20]], { writer: { signingKey: hq.privateKeyPem } });
        expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
        expect(await store.products()).toEqual([
          [1, 'kept', 10],
          [2, 'signed', 20],
        ]);
      });
    });
  });

  /** The code the package reader itself gives for sequence 2: a flipped bit may break the gzip stream or only the digest. */
  async function refusalCode(): Promise<string> {
    try {
      await verifyPackage(path.join(store.folderRoot, FOLDERS.download, store.fileName(2)));
    } catch (error) {
      return (error as { code: string }).code;
    }
    throw new Error('the corrupted package verified');
  }

  describe('download cycle: a sequence already Applied', () => {
    test('comes again with another checksum: refused loudly, never applied, the Applied record stands', async () => {
      await store.publish(1, [[1, 'impostor', 99]], { kind: 'full' });
      const report = await store.run();
      expect(report).toMatchObject({ outcome: 'failed', fields: { applied: 0, failed: 1 } });
      expect(await store.products()).toEqual([[1, 'kept', 10]]);
      const sessions = await store.db.downloads.list();
      expect(sessions.map((s) => [s.sequence, s.status])).toEqual([[1, 'Applied']]);
      const [line] = store.events('download.failed');
      expect(line).toMatchObject({ code: 'E_SEQUENCE_CONFLICT', sequence: 1, file: store.fileName(1), tries: 0 });
      expect(line?.message).toContain('already Applied');
      expect(await store.statusReport(1)).toMatchObject({
        status: 'Applied',
        message: expect.stringContaining('is refused and never applied'),
      });
      expect(await store.metric('async_client_download_packages_failed_total', { code: 'E_SEQUENCE_CONFLICT' })).toBe(1);
      expect(await store.namesIn('download')).toEqual([store.fileName(1)]);

      expect((await store.run()).outcome).toBe('failed');
      expect(store.events('download.failed')).toHaveLength(1);
      expect(await store.products()).toEqual([[1, 'kept', 10]]);
    });

    test('comes again with the same bytes (HQ copied it back): moved to applied/ again, not applied twice', async () => {
      const applied = path.join(store.folderRoot, FOLDERS.applied, store.fileName(1));
      await copyFile(applied, path.join(store.folderRoot, FOLDERS.download, store.fileName(1)));
      await store.pos("UPDATE product SET name = 'changed by the POS' WHERE id = 1");
      expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 0, failed: 0 } });
      expect(await store.products()).toEqual([[1, 'changed by the POS', 10]]);
      expect(await store.namesIn('download')).toEqual([]);
      expect(store.events('download.settled')).toEqual([expect.objectContaining({ sequence: 1, status: 'Applied' })]);
    });
  });
});
