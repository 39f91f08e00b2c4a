import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CountingProxy } from '../../bench/support/counting-proxy.js';
import { StagingArea } from '../../src/download/staging.js';
import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';
import type { FolderEntry, ReadResume, WorkingFolder } from '../../src/workfolder/working-folder.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { webDavTestFolder, type WebDavTestFolder } from '../support/webdav-server.js';
import { patternedChunk } from '../workfolder/byte-streams.js';
import { type DownloadStore, type Product, useDownloadStore } from './download-store.js';

const SIZE = 4 * 1024 * 1024;
const NAME = 'store-0042_download_000000000001.acpkg';
let shared: WebDavTestFolder;
let proxy: CountingProxy;
let folder: WebDavWorkingFolder;
let stagingDirectory: string;
let staging: StagingArea;

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const gets = () => proxy.requests.filter((request) => request.method === 'GET');
const bytesOverTheLink = () => gets().reduce((sum, request) => sum + request.responseBytes, 0);

async function plant(content: Buffer): Promise<FolderEntry> {
  await writeFile(path.join(shared.localPath, NAME), content);
  // Servers give a strong validator only for a file older than a second.
  await sleep(1100);
  const [entry] = await folder.list('');
  return entry!;
}

/** A cycle whose link breaks half-way through the package and stays down past the stream's own retries. */
async function cutCycle(entry: FolderEntry): Promise<void> {
  await staging.sweep([entry]);
  proxy.cutNext('GET', SIZE / 2);
  proxy.holdNextRange(async () => {
    proxy.down = true;
  });
  await expect(staging.stage(folder, entry)).rejects.toMatchObject({ code: 'E_FOLDER_UNREACHABLE' });
  proxy.down = false;
}

beforeEach(async () => {
  shared = await webDavTestFolder();
  proxy = await CountingProxy.start(shared.url);
  folder = new WebDavWorkingFolder({ url: proxy.url, username: shared.username, password: shared.password, timeoutSeconds: 10 });
  stagingDirectory = await mkdtemp(path.join(os.tmpdir(), 'async-client-staging-resume-'));
  staging = new StagingArea(stagingDirectory);
});

afterEach(async () => {
  await folder.close();
  await proxy.close();
  await shared.cleanup();
  await rm(stagingDirectory, { recursive: true, force: true });
});

describe('a download cut off and not finished within one stream', () => {
  const content = Buffer.concat(Array.from({ length: SIZE / (64 * 1024) }, (_, index) => patternedChunk(index, 64 * 1024)));

  test('leaves its partial copy, and the next cycle asks only for the rest: the file crosses the link once', async () => {
    const entry = await plant(content);
    await cutCycle(entry);
    expect(await readdir(stagingDirectory)).toEqual([expect.stringMatching(/^partial-\d+-[0-9a-f]{32}$/)]);

    await staging.sweep([entry]);
    const staged = await staging.stage(folder, entry);

    expect(staged.checksum).toBe(sha(content));
    expect(staged.size).toBe(SIZE);
    expect(sha(await readFile(staged.path))).toBe(sha(content));
    const resumed = gets().at(-1);
    const from = Number(/^bytes=(\d+)-$/.exec(resumed?.range ?? '')?.[1]);
    expect(resumed?.status).toBe(206);
    expect(from).toBeGreaterThan(SIZE / 4);
    // The bytes the cut had delivered are never sent again; only those it dropped in flight are.
    expect(bytesOverTheLink()).toBe(SIZE + (SIZE / 2 - from));
  });

  test('a file HQ replaced since is never spliced: the next cycle, on a stale listing, starts over and stages the new file', async () => {
    const entry = await plant(content);
    await cutCycle(entry);
    const replacement = Buffer.alloc(SIZE, 7);
    await writeFile(path.join(shared.localPath, NAME), replacement);

    // The listing the cycle works from is the old one: If-Range refuses the range, and the copy starts from 0.
    await staging.sweep([entry]);
    const staged = await staging.stage(folder, entry);

    expect(staged.checksum).toBe(sha(replacement));
    expect(sha(await readFile(staged.path))).toBe(sha(replacement));
  });

  test('a partial copy of a version no longer listed is swept, not resumed', async () => {
    const entry = await plant(content);
    await cutCycle(entry);
    const replaced = await plant(Buffer.alloc(SIZE, 3));

    expect(await staging.sweep([replaced])).toBe(1);
    expect(await readdir(stagingDirectory)).toEqual([]);
  });
});

/**
 * The same through the download cycle, on each engine: what the journal and the staging folder
 * hold between the cut run and the next must agree, whichever database keeps the journal.
 */
describe.each(CHANNEL_ENGINES)('download cycle on $name: a package cut off mid-download', (engine) => {
  let store: DownloadStore;
  useDownloadStore(engine, (created) => {
    store = created;
  });

  test('journals nothing, keeps its partial copy, and the next run reads only the rest and applies it once', async () => {
    // Random names, so that the package stays larger than what is read whole into memory (1 MiB),
    // and the cut comes after the copy's first write to disk (1 MiB batches).
    const rows = Array.from({ length: 50_000 }, (_, i): Product => [i + 1, randomBytes(48).toString('hex'), i]);
    const { size } = await stat(await store.publish(1, rows, { kind: 'full' }));
    expect(size).toBeGreaterThan(2.5 * 1024 * 1024);
    const faulty = store.faultyFolder();
    const resumedFrom: (number | undefined)[] = [];
    store.folder = new Proxy(faulty, {
      get(target, property, receiver) {
        if (property === 'openRead') {
          return (file: string, resume?: ReadResume) => {
            resumedFrom.push(resume?.from);
            return target.openRead(file, resume);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as WorkingFolder;
    faulty.cutNextRead(Math.floor(size / 2));

    expect(await store.run()).toMatchObject({ outcome: 'failed' });
    expect(await store.db.downloads.list()).toEqual([]);
    expect(await store.staged()).toEqual([expect.stringMatching(/^partial-/)]);
    expect(await store.products()).toEqual([]);

    expect(await store.run()).toMatchObject({ outcome: 'done', fields: { applied: 1 } });
    expect(resumedFrom).toEqual([undefined, expect.any(Number)]);
    expect(resumedFrom[1]).toBeGreaterThanOrEqual(1024 * 1024);
    expect(await store.products()).toHaveLength(50_000);
    expect(await store.db.downloads.findBySequence(1)).toMatchObject({ status: 'Applied', tries: 0 });
    expect(await store.staged()).toEqual([]);
  });
});
