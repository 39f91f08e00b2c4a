import { userInfo } from 'node:os';
import { ExitCode } from '../../src/cli/command.js';
import { sessionsCommand } from '../../src/cli/commands/sessions.js';
import { DownloadStore, FOLDERS } from '../download/download-store.js';
import { runCli } from './sessions-cli-run.js';

let store: DownloadStore;
let profile: string;
beforeEach(async () => {
  store = await DownloadStore.create();
  store.settings = { ...store.settings, tryLimit: 1 };
  profile = await store.writeProfileFile();
  // Sequence 1 applies; sequence 2 is Suspended (its table lacks a column); 3 waits behind it.
  await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
  await store.run();
  await store.pos('CREATE TABLE category (id INTEGER PRIMARY KEY)');
  await store.publish(2, [], {
    tables: [
      {
        name: 'category',
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'label', type: 'string', nullable: true },
        ],
        primaryKey: ['id'],
        upsertCount: 1,
        deleteCount: 0,
      },
    ],
    rows: new Map([['category', [{ op: 'upsert', values: [1, 'Dairy'] }]]]),
  });
  await store.publish(3, [[3, 'three', 3]]);
  await store.run();
});
afterEach(async () => {
  await store.close();
});

const sessions = (...args: string[]) => runCli(sessionsCommand, [...args, '--profile', profile], { USER: 'operator' });

async function sessionId(sequence: number): Promise<number> {
  const session = await store.db.downloads.findBySequence(sequence);
  if (session === null) throw new Error(`sequence ${sequence} not recorded`);
  return session.id;
}

describe('async-client sessions', () => {
  test('list: a table, newest first, with the failure of the Suspended package', async () => {
    const run = await sessions('list');
    expect(run.exitCode).toBe(ExitCode.ok);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DIRECTION +ID +SEQ +STATUS +TRIES +UPDATED +FILE +MESSAGE$/);
    expect(lines.slice(1).map((line) => line.split(/ +/).slice(0, 5))).toEqual([
      ['download', String(await sessionId(2)), '2', 'Suspended', '1'],
      ['download', String(await sessionId(1)), '1', 'Applied', '0'],
    ]);
    expect(lines[1]).toContain('E_SCHEMA_COLUMN_MISSING: table category in the channel database has no column label');
  });

  test('list --status, --direction, --limit and --json', async () => {
    const suspended = JSON.parse((await sessions('list', '--status', 'Suspended', '--json')).stdout) as {
      direction: string;
      sequence: number;
      status: string;
    }[];
    expect(suspended.map((s) => [s.direction, s.sequence, s.status])).toEqual([['download', 2, 'Suspended']]);
    expect((await sessions('list', '--direction', 'upload')).stdout).toBe('no sessions\n');
    expect((await sessions('list', '--limit', '1')).stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(await sessions('list', '--status', 'Uploaded', '--direction', 'download')).toMatchObject({
      exitCode: ExitCode.usage,
      stderr: expect.stringContaining('no download session can be "Uploaded"'),
    });
    expect((await sessions('list', '--direction', 'sideways')).exitCode).toBe(ExitCode.usage);
    expect((await sessions('list', '--limit', '0')).exitCode).toBe(ExitCode.usage);
  });

  test('show: every field, as lines or as JSON; an unknown id exits 1', async () => {
    const id = await sessionId(2);
    const text = await sessions('show', String(id));
    expect(text.exitCode).toBe(ExitCode.ok);
    expect(text.stdout).toContain('status: Suspended\n');
    expect(text.stdout).toContain(`fileName: ${store.fileName(2)}\n`);
    expect(text.stdout).toContain('errorCode: E_SCHEMA_COLUMN_MISSING\n');
    expect(text.stdout).toMatch(/suspendedAt: \d{4}-\d\d-\d\dT/);
    const json = JSON.parse((await sessions('show', String(id), '--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ direction: 'download', id, sequence: 2, status: 'Suspended', tries: 1 });
    expect(await sessions('show', '999')).toMatchObject({
      exitCode: ExitCode.failure,
      stderr: expect.stringContaining('no download session 999'),
    });
    expect((await sessions('show', 'x1')).exitCode).toBe(ExitCode.usage);
  });

  test('retry: the Suspended package is tried again at the next cycle', async () => {
    await store.pos('ALTER TABLE category ADD COLUMN label TEXT');
    const run = await sessions('retry', String(await sessionId(2)));
    expect(run).toMatchObject({ exitCode: ExitCode.ok, stdout: expect.stringContaining('is Available again') });
    expect(await store.db.downloads.findBySequence(2)).toMatchObject({ status: 'Available', tries: 0 });
    expect(await store.run()).toMatchObject({ outcome: 'done', summary: 'applied 2 packages (seq 2-3)' });
    expect(await sessions('retry', String(await sessionId(1)))).toMatchObject({
      exitCode: ExitCode.failure,
      stderr: expect.stringContaining('E_SESSION_TRANSITION'),
    });
  });

  test('cancel needs --yes and --reason (exit 2); it records who and why, and later packages proceed', async () => {
    const id = String(await sessionId(2));
    expect(await sessions('cancel', id, '--reason', 'bad category feed')).toMatchObject({
      exitCode: ExitCode.usage,
      stderr: expect.stringContaining('add --yes'),
    });
    expect((await sessions('cancel', id, '--yes')).exitCode).toBe(ExitCode.usage);
    expect(await store.db.downloads.findBySequence(2)).toMatchObject({ status: 'Suspended' });

    const run = await sessions('cancel', id, '--yes', '--reason', 'bad category feed');
    expect(run).toMatchObject({ exitCode: ExitCode.ok, stdout: expect.stringContaining('is Canceled by operator') });
    expect(await store.db.downloads.findBySequence(2)).toMatchObject({
      status: 'Canceled',
      canceledBy: 'operator',
      cancelReason: 'bad category feed',
    });
    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1, firstSequence: 3 } });
    expect(await store.namesIn('canceled')).toEqual([store.fileName(2)]);

    const bySudo = await runCli(sessionsCommand, ['cancel', id, '--yes', '--reason', 'again', '--profile', profile], {
      SUDO_USER: 'alice',
      USER: 'root',
    });
    expect(bySudo).toMatchObject({ exitCode: ExitCode.failure, stderr: expect.stringContaining('Canceled is final') });
  });

  test('retry refuses a package whose unchanged file failed verification; a new file from HQ, or --force, is retried', async () => {
    const other = await DownloadStore.create();
    try {
      await other.write(`${FOLDERS.download}/${other.fileName(1)}`, Buffer.from('not a package'));
      await other.run();
      const failed = await other.db.downloads.findBySequence(1);
      expect(failed).toMatchObject({ status: 'Suspended', errorCode: expect.stringMatching(/^E_PACKAGE_/) });
      const otherProfile = await other.writeProfileFile();
      const retry = (...extra: string[]) => runCli(sessionsCommand, ['retry', String(failed?.id), ...extra, '--profile', otherProfile], {});

      const refused = await retry();
      expect(refused.exitCode).toBe(ExitCode.failure);
      expect(refused.stderr).toContain(
        `is still that same file (file sha256 ${failed?.checksum}): a retry would fail the same way (E_RETRY_UNCHANGED)`,
      );
      expect(await other.db.downloads.findBySequence(1)).toMatchObject({ status: 'Suspended' });

      expect((await retry('--force')).exitCode).toBe(ExitCode.ok);
      await other.run();
      expect(await other.db.downloads.findBySequence(1)).toMatchObject({ status: 'Suspended' });

      // HQ sends the package again: a different file under the same name.
      await other.publish(1, [[1, 'one', 1]], { kind: 'full' });
      const after = await other.db.downloads.findBySequence(1);
      expect((await runCli(sessionsCommand, ['retry', String(after?.id), '--profile', otherProfile], {})).exitCode).toBe(ExitCode.ok);
    } finally {
      await other.close();
    }
  });

  test('--by names who cancels; $SUDO_USER wins over $USER', async () => {
    const id = String(await sessionId(2));
    await runCli(sessionsCommand, ['cancel', id, '--yes', '--reason', 'r', '--profile', profile], { SUDO_USER: 'alice', USER: 'root' });
    expect((await store.db.downloads.findBySequence(2))?.canceledBy).toBe('alice');
    const other = await DownloadStore.create();
    try {
      await other.publish(1, [[1, 'x', 1]]);
      await other.run();
      const otherProfile = await other.writeProfileFile();
      const otherId = String((await other.db.downloads.findBySequence(1))?.id);
      await runCli(sessionsCommand, ['cancel', otherId, '--yes', '--reason', 'r', '--by', 'night shift', '--profile', otherProfile], {
        USER: 'root',
      });
      expect((await other.db.downloads.findBySequence(1))?.canceledBy).toBe('night shift');
    } finally {
      await other.close();
    }
  });

  test('with no $SUDO_USER nor $USER (root under su -c, cron), the OS user is who canceled', async () => {
    const id = String(await sessionId(2));
    expect((await runCli(sessionsCommand, ['cancel', id, '--yes', '--reason', 'r', '--profile', profile], {})).exitCode).toBe(ExitCode.ok);
    expect((await store.db.downloads.findBySequence(2))?.canceledBy).toBe(userInfo().username);
  });

  test('--status takes a status name in any case', async () => {
    for (const typed of ['suspended', 'SUSPENDED', 'Suspended']) {
      const run = await sessions('list', '--status', typed, '--json');
      expect(run.exitCode).toBe(ExitCode.ok);
      expect((JSON.parse(run.stdout) as { status: string }[]).map((s) => s.status)).toEqual(['Suspended']);
    }
    expect((await sessions('list', '--status', 'suspend')).exitCode).toBe(ExitCode.usage);
  });

  test('an unknown action or none shows the actions; exit 2', async () => {
    expect(await runCli(sessionsCommand, ['purge'])).toMatchObject({
      exitCode: ExitCode.usage,
      stderr: expect.stringContaining('unknown action "purge"'),
    });
    expect(await runCli(sessionsCommand, [])).toMatchObject({ exitCode: ExitCode.usage, stdout: expect.stringContaining('list') });
  });
});
