import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess } from '../support/daemon-process.js';
import { until } from '../support/until.js';
import { runPackageCli } from './package-cli.js';

const SPEC = `job: { id: N-2000, name: Catalog }
dataGroup: all-stores
kind: full
createdAt: 2026-11-27T10:00:00.000Z
tables:
  - name: Product
    file: product.csv
    primaryKey: [id]
    columns:
      - { name: id, type: integer }
      - { name: name, type: string }
      - { name: price, type: decimal }
`;

function catalog(rows: number): string {
  let text = 'id,name,price\n';
  for (let id = 1; id <= rows; id++) text += `${id},"Product ${id}, ${'x'.repeat(id % 40)}",${id % 100}.${id % 10}5\n`;
  return text;
}

const storeIds = (count: number): string[] => Array.from({ length: count }, (_, i) => `store-${String(i + 1).padStart(3, '0')}`);

describe('package fanout (through the built binary)', () => {
  let dir: string;
  let folder: string;
  const started: CliProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fanout-'));
    folder = join(dir, 'exchange');
    writeFileSync(join(dir, 'spec.yaml'), SPEC);
    writeFileSync(join(dir, 'product.csv'), catalog(500));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((process) => process.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  function makeStores(ids: readonly string[]): void {
    for (const id of ids) mkdirSync(join(folder, id, 'download'), { recursive: true });
  }

  const fanout = (channels: string, extra: readonly string[] = []): ReturnType<typeof runPackageCli> =>
    runPackageCli(
      ['fanout', '--manifest', 'spec.yaml', '--channels', channels, '--sequences', 'plan.csv', '--working-folder', 'exchange', ...extra],
      dir,
    );

  /** Every package file in the stores' download areas, by store. */
  function packagesByStore(): Map<string, string[]> {
    return new Map(
      readdirSync(folder).map((store) => [store, readdirSync(join(folder, store, 'download')).filter((name) => name.endsWith('.acpkg'))]),
    );
  }

  it('writes one signed package per store, each verifying with its own channel, sequence and signature', () => {
    const stores = storeIds(6);
    makeStores(stores);
    writeFileSync(join(folder, 'store-002', 'download', 'store-002_download_000000000041.acpkg'), 'an older package HQ dropped');
    expect(runPackageCli(['keygen', '--out-dir', 'keys', '--name', 'hq'], dir).code).toBe(0);
    writeFileSync(join(dir, 'stores.txt'), `# the pilot stores\n${stores.join('\n')}\n`);

    const result = fanout('@stores.txt', ['--sign-key', 'keys/hq.private.pem']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('6 packages written, 0 already there, 0 failed');
    expect(readFileSync(join(dir, 'plan.csv'), 'utf8')).toContain('store-002,42\nstore-003,1\n');

    const digests = new Set<string>();
    for (const [store, sequence] of [
      ['store-001', 1],
      ['store-002', 42],
      ['store-006', 1],
    ] as const) {
      const file = join('exchange', store, 'download', `${store}_download_${String(sequence).padStart(12, '0')}.acpkg`);
      const verified = runPackageCli(['verify', file, '--public-key', 'keys/hq.public.pem', '--channel', store, '--check-name'], dir);
      expect(verified).toMatchObject({ code: 0, stderr: '' });
      expect(verified.stdout).toMatch(/1 tables, 500 rows, body sha256 [0-9a-f]{64}, file sha256 [0-9a-f]{64}, signature verified/);
      digests.add(/body sha256 ([0-9a-f]{64})/.exec(verified.stdout)?.[1] ?? '');
      const inspected = JSON.parse(runPackageCli(['inspect', file, '--json'], dir).stdout) as {
        manifest: { channelId: string; sequence: number };
      };
      expect(inspected.manifest).toMatchObject({ channelId: store, sequence, kind: 'full', job: { id: 'N-2000' } });
    }
    expect(digests.size).toBe(3);
  });

  it('after being killed half way, a rerun writes the rest and never a second file for one sequence', async () => {
    const stores = storeIds(60);
    makeStores(stores);
    writeFileSync(join(dir, 'product.csv'), catalog(20_000));
    // A killed pack cannot remove its spool: TMPDIR keeps it in this test's folder, removed after the test.
    const first = CliProcess.start(
      [
        'package',
        'fanout',
        ...['--manifest', join(dir, 'spec.yaml'), '--channels', stores.join(','), '--sequences', join(dir, 'plan.csv')],
        ...['--working-folder', folder, '--concurrency', '1'],
      ],
      { TMPDIR: dir },
    );
    started.push(first);
    const written = (): number => first.named('stdout.text').filter((line) => String(line.text).includes('sha256')).length;
    await until('three packages written', () => written() >= 3, 60_000);
    first.signal('SIGKILL');
    await first.exit();
    expect(readdirSync(dir).filter((name) => name.startsWith('async-client-pack-'))).toHaveLength(1);
    const before = [...packagesByStore().values()].flat();
    expect(before.length).toBeLessThan(60);
    for (const name of before) {
      const store = name.split('_')[0] as string;
      expect(runPackageCli(['verify', join('exchange', store, 'download', name), '--check-name'], dir).code).toBe(0);
    }

    const rerun = fanout(stores.join(','));
    expect(rerun).toMatchObject({ code: 0, stderr: '' });
    expect(rerun.stdout).toContain(`${60 - before.length} packages written, ${before.length} already there, 0 failed`);
    for (const [store, names] of packagesByStore()) expect(names).toEqual([`${store}_download_000000000001.acpkg`]);
  });

  it.each([
    ['a channel listed twice', 'store-001,store-002,store-001', /E_FANOUT_CHANNELS: channels listed more than once: store-001/],
    ['a bad channel id', 'store-001,../etc,store 2', /E_FANOUT_CHANNELS: not channel ids .*"\.\.\/etc", "store 2"/],
    ['a store without a folder', 'store-001,store-404', /E_FANOUT_UNKNOWN_STORE: no store folder .* for: store-404/],
  ])('refuses %s and writes nothing', (_what, channels, message) => {
    makeStores(storeIds(3));
    const result = fanout(channels);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(dir, 'plan.csv'))).toBe(false);
    expect([...packagesByStore().values()].flat()).toEqual([]);
  });

  it('refuses a bad row before writing any package or plan', () => {
    makeStores(storeIds(3));
    writeFileSync(join(dir, 'product.csv'), `${catalog(10)}11,"Bad price",1.2.3\n`);
    const result = fanout(storeIds(3).join(','));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_PACK_INPUT: .*product\.csv:12: column price \(decimal\)/);
    expect(existsSync(join(dir, 'plan.csv'))).toBe(false);
    expect([...packagesByStore().values()].flat()).toEqual([]);
  });

  it('refuses a saved plan with a channel planned twice, naming the line, before writing any package', () => {
    makeStores(storeIds(3));
    writeFileSync(
      join(dir, 'plan.csv'),
      'channel,sequence\r\n"store-001",7\r\nstore-002,7\r\n# a comment\r\nstore-001,8\r\nstore-003,1\r\n',
    );
    const result = fanout(storeIds(3).join(','));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_FANOUT_CHANNELS: .*plan\.csv:5: channel store-001 is planned twice \(first on line 2\)/);
    expect([...packagesByStore().values()].flat()).toEqual([]);
  });

  it('refuses a saved plan that leaves a channel out', () => {
    makeStores(storeIds(3));
    writeFileSync(join(dir, 'plan.csv'), 'channel,sequence\nstore-001,7\nstore-002,7\n');
    const result = fanout(storeIds(3).join(','));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_FANOUT_CHANNELS: .*plan\.csv plans no sequence for: store-003/);
    expect([...packagesByStore().values()].flat()).toEqual([]);
  });
});
