import type { DownloadSession } from '../../src/channel/download-journal.js';
import { manifest, seen, seenPackage, stream, table, upserts } from './fixtures.js';
import type { ChannelDatabaseSubject, SubjectFactory } from './subject.js';

const ITEM = table('item', [['id', 'integer', false]], ['id']);

/** The download session journal: CDX statuses, their transitions, and refusing a reused sequence. */
export function describeJournalContract(open: SubjectFactory): void {
  let subject: ChannelDatabaseSubject;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  const apply = async (sessionId: number, sequence: number): Promise<void> => {
    await subject.db.applyPackage(manifest(sequence, 'full', [ITEM]), stream(upserts(ITEM, [[sequence]])), {
      sessionId,
      allowCreateTables: true,
    });
  };

  test('retention prunes old Applied and Canceled sessions in batches, never a pending one nor the highest Applied', async () => {
    for (const sequence of [1, 2, 3]) await apply((await seen(subject.db, sequence)).id, sequence);
    await seen(subject.db, 4);
    await subject.db.downloads.cancel((await seen(subject.db, 5)).id, 'ops', 'not needed');
    const future = new Date(Date.now() + 3_600_000);
    expect(await subject.db.downloads.prune(new Date(Date.now() - 3_600_000), 100)).toBe(0);
    expect(await subject.db.downloads.prune(future, 1)).toBe(1);
    expect(await subject.db.downloads.prune(future, 100)).toBe(1);
    expect(await subject.db.downloads.prune(future, 100)).toBe(0);
    expect((await subject.db.downloads.list()).map((s) => [s.sequence, s.status])).toEqual([
      [5, 'Canceled'],
      [4, 'Available'],
      [3, 'Applied'],
    ]);
    expect(await subject.db.downloads.highestApplied()).toBe(3);
  });

  test('a package seen again is the same session; what the cycle saw is recorded', async () => {
    const first = await seen(subject.db, 1);
    expect(first).toMatchObject({ channelId: 'store-1', sequence: 1, jobId: '1070', status: 'Available', tries: 0, rowsAffected: {} });
    expect(first.fileName).toBe('store-1-download-00000001.pkg');
    expect(first.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(first.availableAt).toBeInstanceOf(Date);
    expect(await subject.db.downloads.find(first.id)).toEqual(first);
    const downloaded = await subject.db.downloads.recordDownloaded(seenPackage(1));
    expect(downloaded).toMatchObject({ id: first.id, status: 'Downloaded' });
    expect(downloaded.downloadedAt).toBeInstanceOf(Date);
    expect(await seen(subject.db, 1)).toEqual(downloaded);
    expect(await subject.db.downloads.list()).toHaveLength(1);
  });

  test('a verified package seen for the first time is recorded Downloaded in one step, under the same rules as record', async () => {
    const downloaded = await subject.db.downloads.recordDownloaded(seenPackage(1));
    expect(downloaded).toMatchObject({ sequence: 1, jobId: '1070', status: 'Downloaded', tries: 0, rowsAffected: {} });
    expect(downloaded.downloadedAt).toBeInstanceOf(Date);
    expect(await subject.db.downloads.find(downloaded.id)).toEqual(downloaded);
    expect(await subject.db.downloads.recordDownloaded(seenPackage(1))).toMatchObject({ id: downloaded.id, status: 'Downloaded' });
    await expect(subject.db.downloads.recordDownloaded(seenPackage(1, 'a different file'))).rejects.toMatchObject({
      code: 'E_SEQUENCE_CONFLICT',
    });
    expect(await subject.db.downloads.list()).toHaveLength(1);
  });

  test('a sequence already Applied with another checksum is refused loudly', async () => {
    const original = await seen(subject.db, 1);
    await apply(original.id, 1);
    await expect(seen(subject.db, 1, 'a different file')).rejects.toMatchObject({
      code: 'E_SEQUENCE_CONFLICT',
      message: expect.stringMatching(/sequence 1 .*already Applied/),
      details: expect.objectContaining({ existingSessionId: original.id }),
    });
  });

  test('a pending sequence with another checksum is refused until the pending one is canceled', async () => {
    const original = await seen(subject.db, 1);
    await expect(seen(subject.db, 1, 'a corrected file')).rejects.toMatchObject({
      code: 'E_SEQUENCE_CONFLICT',
      message: expect.stringContaining('cancel'),
    });
    await subject.db.downloads.cancel(original.id, 'ops@store', 'HQ sent a corrected file');
    const replacement = await seen(subject.db, 1, 'a corrected file');
    expect(replacement.id).not.toBe(original.id);
    expect(await subject.db.downloads.findBySequence(1)).toMatchObject({ id: replacement.id, status: 'Available' });
  });

  test('a failed apply counts a try and keeps the reason; suspending, retrying and applying follow', async () => {
    const session = await seen(subject.db, 1);
    const nextTryAt = new Date('2030-01-01T00:00:00.000Z');
    const failed = await subject.db.downloads.markApplyFailed(session.id, { code: 'E_DATABASE_BUSY', message: 'locked' }, nextTryAt);
    expect(failed).toMatchObject({ status: 'ApplyFailed', tries: 1, errorCode: 'E_DATABASE_BUSY', errorMessage: 'locked', nextTryAt });
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(
      await subject.db.downloads.markApplyFailed(session.id, { code: 'E_DATABASE_BUSY', message: 'locked again' }, null),
    ).toMatchObject({ tries: 2, nextTryAt: null });
    const suspended = await subject.db.downloads.markSuspended(session.id);
    expect(suspended).toMatchObject({ status: 'Suspended', tries: 2, errorMessage: 'locked again' });
    expect(suspended.suspendedAt).toBeInstanceOf(Date);
    await expect(subject.db.downloads.recordDownloaded(seenPackage(1))).rejects.toMatchObject({ code: 'E_SESSION_TRANSITION' });
    expect(await subject.db.downloads.retry(session.id)).toMatchObject({ status: 'Available', tries: 0, nextTryAt: null });
    await apply(session.id, 1);
    expect(await subject.db.downloads.find(session.id)).toMatchObject({ status: 'Applied', errorCode: null, errorMessage: null });
  });

  test('cancel records who and why, and only a session that is not Applied can be canceled', async () => {
    const appliedSession = await seen(subject.db, 1);
    await apply(appliedSession.id, 1);
    await expect(subject.db.downloads.cancel(appliedSession.id, 'ops', 'oops')).rejects.toMatchObject({
      code: 'E_SESSION_TRANSITION',
      message: expect.stringContaining('Applied is final'),
    });
    const other = await seen(subject.db, 2);
    const canceled = await subject.db.downloads.cancel(other.id, 'ops@store-1', 'bad prices from HQ');
    expect(canceled).toMatchObject({ status: 'Canceled', canceledBy: 'ops@store-1', cancelReason: 'bad prices from HQ' });
    expect(canceled.canceledAt).toBeInstanceOf(Date);
    await expect(subject.db.downloads.retry(other.id)).rejects.toMatchObject({ code: 'E_SESSION_TRANSITION' });
  });

  test('pending lists what is neither Applied nor Canceled in sequence order; the highest Applied sequence is known', async () => {
    expect(await subject.db.downloads.highestApplied()).toBe(0);
    const sessions: DownloadSession[] = [];
    for (const sequence of [3, 1, 4, 2, 5]) sessions.push(await seen(subject.db, sequence));
    const bySequence = (n: number): number => sessions.find((s) => s.sequence === n)?.id ?? -1;
    await apply(bySequence(1), 1);
    await apply(bySequence(2), 2);
    await subject.db.downloads.cancel(bySequence(4), 'ops', 'superseded');
    expect((await subject.db.downloads.pending()).map((s) => s.sequence)).toEqual([3, 5]);
    expect(await subject.db.downloads.highestApplied()).toBe(2);
  });

  test('list filters by status and limit, newest first; unknown ids say so', async () => {
    for (const sequence of [1, 2, 3, 4]) await seen(subject.db, sequence);
    const second = await subject.db.downloads.findBySequence(2);
    await subject.db.downloads.cancel(second?.id ?? -1, 'ops', 'test');
    expect((await subject.db.downloads.list({ limit: 2 })).map((s) => s.sequence)).toEqual([4, 3]);
    expect((await subject.db.downloads.list({ status: 'Canceled' })).map((s) => s.sequence)).toEqual([2]);
    expect(await subject.db.downloads.find(9999)).toBeNull();
    expect(await subject.db.downloads.findBySequence(9999)).toBeNull();
    await expect(subject.db.downloads.markSuspended(9999)).rejects.toMatchObject({ code: 'E_SESSION_NOT_FOUND' });
  });

  test('the journal survives a restart', async () => {
    const session = await seen(subject.db, 1);
    await subject.db.downloads.markApplyFailed(session.id, { code: 'E_X', message: 'x' }, null);
    const reopened = await subject.reopen();
    expect(await reopened.downloads.find(session.id)).toMatchObject({ status: 'ApplyFailed', tries: 1 });
    expect(await reopened.migrate()).toBe(reopened.describe().schemaVersion);
  });
}
