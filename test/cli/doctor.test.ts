import { mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteChannelDatabase } from '../../src/channel/sqlite-channel-database.js';
import type { CheckResult } from '../../src/cli/doctor/check-result.js';
import { runDoctor } from '../../src/cli/doctor/doctor.js';
import { InstanceLock } from '../../src/daemon/instance-lock.js';
import { canMount, mountTmpfs, remountReadOnly, unmount } from '../support/mounts.js';
import { TempStore } from '../support/temp-store.js';
import { TestClock } from '../support/test-clock.js';

let store: TempStore;
beforeEach(async () => {
  store = await TempStore.create();
});
afterEach(async () => {
  await store.remove();
});

/** A unit like systemd/async-client.service, as far as doctor reads it. */
function unitText(profile: string, readWritePaths: string): string {
  return `[Service]
ExecStart=/usr/bin/node /usr/lib/node_modules/async-client/dist/bin/async-client.js run --profile ${profile}
StateDirectory=async-client
ProtectSystem=strict
ReadWritePaths=${readWritePaths}
`;
}

async function goodUnit(): Promise<string> {
  const file = path.join(store.root, 'async-client.service');
  await writeFile(file, unitText(store.profilePath, `-${store.stateDirectory} ${store.workingFolder}`));
  return file;
}

/** A store whose every check passes: migrated journal, an upload table with its counter index, a good unit. */
async function healthyStore(options: { extra?: string } = {}): Promise<{ unitFile: string }> {
  await store.writeProfile({
    extra: `upload:\n  tables:\n    - name: sale\n      counterColumn: rowid\n${options.extra ?? ''}`,
  });
  await mkdir(store.stateDirectory);
  const db = new Database(store.databasePath);
  db.exec('CREATE TABLE sale (id INTEGER PRIMARY KEY, amount INTEGER)');
  db.close();
  const channel = await openSqliteChannelDatabase(store.databasePath, { channelId: 'store-0042' });
  await channel.migrate();
  await channel.close();
  return { unitFile: await goodUnit() };
}

async function doctor(options: { unitFile?: string; clock?: TestClock; quickCheck?: boolean } = {}): Promise<CheckResult[]> {
  return runDoctor(store.profilePath, {
    cwd: store.root,
    clock: options.clock ?? new TestClock(),
    quickCheck: options.quickCheck ?? false,
    unitFile: options.unitFile ?? path.join(store.root, 'no-such.service'),
  });
}

function statuses(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.check, r.status]));
}

function only(results: readonly CheckResult[], check: string): CheckResult {
  const found = results.filter((r) => r.check === check);
  expect(found).toHaveLength(1);
  return found[0] as CheckResult;
}

describe('async-client doctor: each check, passing and made to fail', () => {
  it('a healthy store: every check OK, and nothing left behind in the working folder', async () => {
    const { unitFile } = await healthyStore();
    const results = await doctor({ unitFile, quickCheck: true });
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(statuses(results)).toEqual({
      profile: 'ok',
      database: 'ok',
      journal: 'ok',
      'upload-tables': 'ok',
      'quick-check': 'ok',
      'working-folder': 'ok',
      clock: 'ok',
      instance: 'ok',
      'health-port': 'ok',
      'service-unit': 'ok',
    });
    expect(await readdir(path.join(store.workingFolder, 'store-0042', 'download', 'status'))).toEqual([]);
  });

  it('profile: one that does not load fails, and every other check is skipped', async () => {
    await writeFile(store.profilePath, 'profile:\n  name: [unclosed\n');
    const results = await doctor();
    expect(only(results, 'profile')).toMatchObject({ status: 'fail', fix: expect.stringContaining('async-client validate') });
    expect(results.filter((r) => r.check !== 'profile').every((r) => r.status === 'skip')).toBe(true);
  });

  it('database: a database that does not open fails; one not created yet is a warning, and doctor does not create it', async () => {
    await healthyStore();
    await rm(store.databasePath);
    await mkdir(store.databasePath);
    expect(only(await doctor(), 'database')).toMatchObject({ status: 'fail', detail: expect.stringContaining('cannot open it') });

    await rm(store.databasePath, { recursive: true });
    const fresh = await doctor();
    expect(only(fresh, 'database')).toMatchObject({ status: 'warn', detail: `${store.databasePath} does not exist yet` });
    expect(await readdir(store.stateDirectory)).toEqual([]);
  });

  (canMount ? it : it.skip)('database: a read-only database folder fails by the same check the daemon runs', async () => {
    await store.writeProfile();
    await mkdir(store.stateDirectory);
    await mountTmpfs(store.stateDirectory, 1024 * 1024);
    try {
      const db = await openSqliteChannelDatabase(store.databasePath, { channelId: 'store-0042' });
      await db.close();
      await remountReadOnly(store.stateDirectory);
      expect(only(await doctor(), 'database')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/E_DATABASE_READONLY|read-only/),
      });
    } finally {
      await unmount(store.stateDirectory);
    }
  });

  it('journal: a journal from a newer build fails', async () => {
    await healthyStore();
    const db = new Database(store.databasePath);
    db.prepare("UPDATE async_client_meta SET value = '999' WHERE key = 'schema_version'").run();
    db.close();
    expect(only(await doctor(), 'journal')).toMatchObject({ status: 'fail', detail: expect.stringContaining('version 999, newer than') });
  });

  it('upload-tables: a configured table the database lacks is a warning naming it', async () => {
    await healthyStore({ extra: '    - name: refund\n      counterColumn: changed\n' });
    const problems = (await doctor()).filter((r) => r.check === 'upload-tables');
    expect(problems).toEqual([expect.objectContaining({ status: 'warn', detail: expect.stringContaining('refund') })]);
  });

  it('quick-check: a damaged database file fails, on demand only', async () => {
    await healthyStore();
    const db = new Database(store.databasePath);
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT); CREATE INDEX filler_text ON filler (text)');
    const insert = db.prepare('INSERT INTO filler (text) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`row ${i} ${'x'.repeat(50)}`);
    })();
    db.close();
    const file = await open(store.databasePath, 'r+');
    // Pages 10 to 30 of 4096 bytes: inside the table and its index, never the header.
    await file.write(Buffer.alloc(4096 * 20, 0xab), 0, 4096 * 20, 4096 * 10);
    await file.close();
    expect((await doctor()).some((r) => r.check === 'quick-check')).toBe(false);
    expect(only(await doctor({ quickCheck: true }), 'quick-check')).toMatchObject({ status: 'fail' });
  });

  it('working-folder: a folder that is not there fails, and the clock check is skipped', async () => {
    await healthyStore();
    await rm(store.workingFolder, { recursive: true });
    const results = await doctor();
    expect(only(results, 'working-folder')).toMatchObject({ status: 'fail', detail: expect.stringContaining('E_FOLDER_UNREACHABLE') });
    expect(only(results, 'clock').status).toBe('skip');
  });

  (canMount ? it : it.skip)('working-folder: little free space is a warning', async () => {
    await healthyStore();
    await mountTmpfs(store.workingFolder, 1024 * 1024);
    try {
      expect(only(await doctor(), 'working-folder')).toMatchObject({
        status: 'warn',
        detail: expect.stringMatching(/reachable and writable, but only [01] MiB free$/),
      });
    } finally {
      await unmount(store.workingFolder);
    }
  });

  it("clock: a working folder whose files are dated an hour off this machine's clock is a warning", async () => {
    await healthyStore();
    const clock = new TestClock();
    clock.advanceSeconds(3600);
    expect(only(await doctor({ clock }), 'clock')).toMatchObject({ status: 'warn', detail: expect.stringContaining('-3600 s off') });
  });

  it('instance: a process holding the store lock is named, with its PID', async () => {
    await healthyStore();
    const lock = await InstanceLock.acquire(store.stateDirectory, 'upload', 'upload --once');
    try {
      expect(only(await doctor(), 'instance')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining(`upload: PID ${process.pid} (upload --once, since `),
      });
    } finally {
      await lock.release();
    }
  });

  it('health-port: a port another program holds fails', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await store.writeProfile({ healthPort: port });
      expect(only(await doctor(), 'health-port')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('service-unit: not installed warns; another profile warns; a path its sandbox cannot write fails', async () => {
    await healthyStore();
    expect(only(await doctor(), 'service-unit')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('no async-client.service installed'),
    });

    const unitFile = path.join(store.root, 'other.service');
    await writeFile(unitFile, unitText('/etc/async-client/profile.yaml', `${store.stateDirectory} ${store.workingFolder}`));
    expect(only(await doctor({ unitFile }), 'service-unit')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('runs the profile /etc/async-client/profile.yaml'),
    });

    await writeFile(unitFile, unitText(store.profilePath, store.stateDirectory));
    expect(only(await doctor({ unitFile }), 'service-unit')).toMatchObject({
      status: 'fail',
      detail: `the service cannot write ${store.workingFolder}: ProtectSystem=strict, and neither ReadWritePaths= nor StateDirectory= covers it`,
      fix: `sudo systemctl edit async-client, then add: [Service] ReadWritePaths=${store.workingFolder}`,
    });

    // A drop-in (what `systemctl edit` writes) adds the path.
    await mkdir(`${unitFile}.d`);
    await writeFile(path.join(`${unitFile}.d`, 'override.conf'), `[Service]\nReadWritePaths=${store.workingFolder}\n`);
    expect(only(await doctor({ unitFile }), 'service-unit').status).toBe('ok');
  });
});
