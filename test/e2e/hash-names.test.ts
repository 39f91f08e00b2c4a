import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_PATH } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';

const CATALOG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/hq/catalog.yaml');

function cli(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 60000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function hashNamed(text: string, name: 'file' | 'body'): string | undefined {
  return new RegExp(`${name} sha256:? ([0-9a-f]{64})`).exec(text)?.[1];
}

describe('one name per hash in every output', () => {
  const fixture = useTempStore();

  it('"file sha256" is the whole file everywhere (pack, inspect, verify, the journal); "body sha256" is the trailer digest', async () => {
    const { store } = fixture;
    await store.writeProfile({ extra: 'download:\n  allowCreateTables: true\n' });
    const area = path.join(store.workingFolder, 'store-0042', 'download');
    await mkdir(area, { recursive: true });
    const packed = cli(['package', 'pack', '--manifest', CATALOG, '--channel', 'store-0042', '--out', area]);
    expect(packed.code).toBe(0);
    expect(packed.stdout).not.toMatch(/(^|[^ey]) sha256/);
    const file = path.join(area, 'store-0042_download_000000000001.acpkg');
    const fileSha256 = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    expect(hashNamed(packed.stdout, 'file')).toBe(fileSha256);
    const bodySha256 = hashNamed(packed.stdout, 'body');
    expect(bodySha256).not.toBe(fileSha256);

    for (const command of [
      ['package', 'inspect', file],
      ['package', 'verify', file],
    ]) {
      const run = cli(command);
      expect(run.code).toBe(0);
      expect([hashNamed(run.stdout, 'file'), hashNamed(run.stdout, 'body')]).toEqual([fileSha256, bodySha256]);
    }
    const json = JSON.parse(cli(['package', 'inspect', file, '--json']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ fileSha256, bodySha256 });
    expect(json).not.toHaveProperty('sha256');

    expect(cli(['download', '--once', '--profile', store.profilePath]).code).toBe(0);
    const shown = cli(['sessions', 'show', '1', '--profile', store.profilePath]);
    expect(shown.stdout).toContain(`file sha256: ${fileSha256}\n`);
    expect(shown.stdout).not.toContain('checksum');
  });
});
