import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { createDownloadCycle } from '../../src/download/download-cycle.js';
import { createLogger } from '../../src/observe/logger.js';
import { packageFileName } from '../../src/package/index.js';
import type { DownloadSettings, Profile } from '../../src/profile/profile.js';
import type { CycleReport } from '../../src/schedule/cycle.js';
import { channelFolders, type PackageStatusReport } from '../../src/workfolder/layout.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import type { WorkingFolder } from '../../src/workfolder/working-folder.js';
import { type ChannelEngine, SQLITE } from '../channel/engines.js';
import { openSqliteSubject } from '../channel/sqlite-subject.js';
import type { ChannelDatabaseSubject } from '../channel/subject.js';
import { FaultyWorkingFolder } from '../support/faulty-working-folder.js';
import { testStoreProfile } from '../support/store-profile.js';
import { TestClock } from '../support/test-clock.js';
import { CHANNEL, type Product, type PublishOptions, publishProducts } from './hq-packages.js';

export { CHANNEL, type Product, productTable, type PublishOptions } from './hq-packages.js';
export const FOLDERS = channelFolders(CHANNEL);

/**
 * A store in a temp folder, as the cycle sees it: a real channel database (SQLite unless
 * another engine is given), a real local working folder shared with "HQ" (the test, writing
 * packages with the package writer), a staging folder, a JSON log captured line by line, and a
 * metrics registry.
 */
export class DownloadStore {
  readonly clock = new TestClock();
  readonly registry = new Registry();
  readonly logLines: Record<string, unknown>[] = [];
  /** Called with every log line as it is written, e.g. to act at a precise step of a run. */
  onLog: (line: Record<string, unknown>) => void = () => undefined;
  settings: DownloadSettings = {
    tryLimit: 3,
    retryBackoffSeconds: 60,
    gapReportMinutes: 60,
    allowCreateTables: true,
    pollSeconds: 60,
    watchPolling: false,
  };
  folder: WorkingFolder;
  /** The database the cycle works on: the store's own, or a fault-injecting wrapper around it. */
  cycleDatabase: ChannelDatabase;
  private cycle: ReturnType<typeof createDownloadCycle> | undefined;

  private constructor(
    readonly root: string,
    /** The channel database and the POS's own connection to it. */
    readonly subject: ChannelDatabaseSubject,
  ) {
    this.folder = new LocalWorkingFolder(this.folderRoot);
    this.cycleDatabase = subject.db;
  }

  /** `engine` (SQLite unless given) for the tests that run on each, with its `lockWaitMs`; `databaseFolder` for SQLite's own. */
  static async create(options: { engine?: ChannelEngine; lockWaitMs?: number; databaseFolder?: string } = {}): Promise<DownloadStore> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'async-client-download-'));
    await mkdir(path.join(root, 'working-folder', FOLDERS.download), { recursive: true });
    const { engine = SQLITE, lockWaitMs, databaseFolder } = options;
    const subject = await (databaseFolder === undefined
      ? engine.open(CHANNEL, root, { lockWaitMs })
      : openSqliteSubject({ channelId: CHANNEL, minFreeBytes: 0 }, path.join(databaseFolder, 'channel.sqlite'))
    ).catch(async (error: unknown) => {
      await rm(root, { recursive: true, force: true });
      throw error;
    });
    return new DownloadStore(root, subject);
  }

  /** Puts a fault-injecting wrapper around the working folder and returns it. */
  faultyFolder(): FaultyWorkingFolder {
    const faulty = new FaultyWorkingFolder(this.folder);
    this.folder = faulty;
    return faulty;
  }

  get db(): ChannelDatabase {
    return this.subject.db;
  }

  get folderRoot(): string {
    return path.join(this.root, 'working-folder');
  }

  /** The SQLite store's database file. */
  get databaseFile(): string {
    const { setting } = this.subject;
    if (typeof setting !== 'string') throw new Error('databaseFile: this store is not on SQLite');
    return setting;
  }

  get stagingDirectory(): string {
    return path.join(this.root, 'state', 'staging');
  }

  profile(): Profile {
    return testStoreProfile({
      name: 'Test store',
      root: this.root,
      channelId: CHANNEL,
      database: this.subject.setting,
      folder: this.folderRoot,
      download: this.settings,
    });
  }

  /** The profile as a YAML file, for the CLI and the daemon; returns its path. */
  async writeProfileFile(extra = ''): Promise<string> {
    const file = path.join(this.root, 'profile.yaml');
    const { tryLimit, retryBackoffSeconds, gapReportMinutes, allowCreateTables } = this.settings;
    await writeFile(
      file,
      `profile:
  name: Test store
  downloadIntervalMinutes: 1
  uploadIntervalMinutes: 60
channel:
  id: ${CHANNEL}
  database: ${this.databaseFile}
workingFolder:
  adapter: local
  path: ${this.folderRoot}
stateDirectory: ${path.join(this.root, 'state')}
log:
  level: debug
download:
  tryLimit: ${tryLimit}
  retryBackoffSeconds: ${retryBackoffSeconds}
  gapReportMinutes: ${gapReportMinutes}
  allowCreateTables: ${allowCreateTables}
${extra}`,
    );
    return file;
  }

  /** One cycle run; the cycle is created once, as the daemon does. */
  run(signal = new AbortController().signal): Promise<CycleReport> {
    this.cycle ??= createDownloadCycle({
      channelDatabase: this.cycleDatabase,
      workingFolder: this.folder,
      profile: () => this.profile(),
      log: createLogger('debug', {
        write: (text: string) => {
          const line = JSON.parse(text) as Record<string, unknown>;
          this.logLines.push(line);
          this.onLog(line);
        },
      }),
      registry: this.registry,
      clock: this.clock,
      stagingDirectory: this.stagingDirectory,
    });
    return this.cycle.run(signal);
  }

  /** Forgets the cycle and its metrics, as a restarted daemon would: the next run starts with empty memory. */
  restart(): void {
    this.cycle = undefined;
    this.registry.clear();
  }

  /** HQ writes a package of products into the download area (atomically: temp name, then rename). */
  publish(sequence: number, products: readonly Product[], options: PublishOptions = {}): Promise<string> {
    return publishProducts(path.join(this.folderRoot, FOLDERS.download), sequence, products, options);
  }

  /** Sets a download file's modification time to the test clock's now, so that ages are exact. */
  async touch(sequence: number): Promise<void> {
    const now = this.clock.now();
    await utimes(path.join(this.folderRoot, FOLDERS.download, this.fileName(sequence)), now, now);
  }

  async write(relative: string, bytes: Uint8Array): Promise<void> {
    await writeFile(path.join(this.folderRoot, relative), bytes);
  }

  async readPackage(sequence: number): Promise<Buffer> {
    return readFile(path.join(this.folderRoot, FOLDERS.download, this.fileName(sequence)));
  }

  fileName(sequence: number, channelId = CHANNEL): string {
    return packageFileName({ channelId, direction: 'download', sequence });
  }

  /** File names (not folders) in a channel area: `download`, `applied`, `canceled`, `status`. */
  async namesIn(area: keyof typeof FOLDERS): Promise<string[]> {
    const entries = await readdir(path.join(this.folderRoot, FOLDERS[area]), { withFileTypes: true }).catch(() => []);
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
  }

  async statusReport(sequence: number): Promise<PackageStatusReport | undefined> {
    const text = await readFile(path.join(this.folderRoot, FOLDERS.status, `${this.fileName(sequence)}.json`), 'utf8').catch(
      () => undefined,
    );
    return text === undefined ? undefined : (JSON.parse(text) as PackageStatusReport);
  }

  /** The product table as another connection reads it (the POS's view), by id. */
  async products(): Promise<Product[]> {
    if (!(await this.subject.hasTable('product'))) return [];
    const rows = await this.subject.query('SELECT id, name, price FROM product ORDER BY id');
    return rows.map((row) => [row.id, row.name, row.price] as unknown as Product);
  }

  /** Runs portable SQL on the database through a connection of its own, as the POS software would. */
  pos(sql: string): Promise<void> {
    return this.subject.pos(sql);
  }

  /** Staged copies left in the staging folder (its spares, empty files kept to become the next marks, are no copies). */
  async staged(): Promise<string[]> {
    return (await this.stagingFiles()).filter((name) => !name.startsWith('spare-'));
  }

  /** The staging folder's spares: empty files an apply's mark left, kept to become the next marks. */
  async spares(): Promise<string[]> {
    return (await this.stagingFiles()).filter((name) => name.startsWith('spare-'));
  }

  private async stagingFiles(): Promise<string[]> {
    return readdir(this.stagingDirectory).catch(() => []);
  }

  events(event: string): Record<string, unknown>[] {
    return this.logLines.filter((line) => line.event === event);
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = (await this.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value ?? 0;
  }

  /** Closes the database; removes the temp folder unless it holds a mount the test still has to undo. */
  async close(options: { keepFolder?: boolean } = {}): Promise<void> {
    try {
      await this.subject.cleanup();
    } finally {
      if (options.keepFolder !== true) await rm(this.root, { recursive: true, force: true });
    }
  }
}

/** In a describe: each test gets a fresh store on `engine`, readied by `ready`, and closed after the test. */
export function useDownloadStore(engine: ChannelEngine, ready: (store: DownloadStore) => Promise<void> | void): void {
  let store: DownloadStore | undefined;
  beforeEach(async () => {
    store = await DownloadStore.create({ engine });
    await ready(store);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
}
