import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileCases, rowBomb } from '../package/hostile-packages.js';
import { MEMORY_LIMIT_MIB, runCappedCli } from '../support/capped-cli.js';
import { runPackageCli } from './package-cli.js';

const target = { channelId: 'store-7', sequence: 2 };
const fileName = 'store-7_download_000000000002.acpkg';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'package-hostile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One line on stderr, the code first, no stack trace. */
function expectRefusal(result: { code: number | null; stdout: string; stderr: string }, code: string, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(`^invalid: ${code}: `));
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('package verify refuses every crafted package (built binary, heap capped, peak RSS measured)', () => {
  it.each(hostileCases(target).map((hostile) => [hostile.name, hostile] as const))('%s', (_name, hostile) => {
    writeFileSync(join(dir, fileName), hostile.bytes());
    const run = runCappedCli(['package', 'verify', fileName, '--channel', 'store-7', '--direction', 'download', '--check-name'], dir);
    expectRefusal(run, hostile.code, hostile.message);
    expect(run.peakRssMib).toBeLessThan(MEMORY_LIMIT_MIB);
  });

  it('checks a pinned key before inflating: a bomb signed by another key is a signature error', () => {
    const pinned = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'hq.public.pem'), pinned.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, fileName), rowBomb(target, 64, other.privateKey));
    expectRefusal(runPackageCli(['verify', fileName, '--public-key', 'hq.public.pem'], dir), 'E_PACKAGE_SIGNATURE', /pinned public key/);
    writeFileSync(join(dir, fileName), rowBomb(target, 64, pinned.privateKey));
    expectRefusal(runPackageCli(['verify', fileName, '--public-key', 'hq.public.pem'], dir), 'E_PACKAGE_LIMIT', /content is larger than/);
  });
});

describe('package inspect and the pack/unpack round trip', () => {
  const spec = `direction: download
channelId: store-7
sequence: 3
job: { id: N-1, name: Dates }
dataGroup: default
kind: full
createdAt: 2026-11-27T10:00:00.000Z
producer: test
tables:
  - name: Event
    file: event.csv
    primaryKey: [id]
    columns:
      - { name: id, type: integer }
      - { name: at, type: timestamp }
`;
  const csv = `id,at
1,+010000-01-01T00:00:00.000Z
2,-000001-06-01T12:30:00.000Z
3,275760-09-13T00:00:00.000Z
4,9999-12-31T23:59:59.999Z
`;

  it('inspect --json names the format as the manifest line does', () => {
    writeFileSync(join(dir, 'spec.yaml'), spec);
    writeFileSync(join(dir, 'event.csv'), csv.replace('275760', '+275760'));
    expect(runPackageCli(['pack', '--manifest', 'spec.yaml', '--out', 'p.acpkg'], dir).code).toBe(0);
    const json = JSON.parse(runPackageCli(['inspect', 'p.acpkg', '--json'], dir).stdout) as { manifest: Record<string, unknown> };
    expect(json.manifest).toMatchObject({ format: 'async-client-package', formatVersion: '1.0' });
    expect(runPackageCli(['inspect', 'p.acpkg'], dir).stdout).toContain('format:      async-client-package 1.0');
  });

  it.each(['jsonl', 'csv'])('keeps years beyond 9999 and before 0 through unpack (%s) and pack, byte for byte', (format) => {
    writeFileSync(join(dir, 'spec.yaml'), spec);
    writeFileSync(join(dir, 'event.csv'), csv.replace('275760', '+275760'));
    expect(runPackageCli(['pack', '--manifest', 'spec.yaml', '--out', 'p.acpkg'], dir)).toMatchObject({ code: 0, stderr: '' });
    expect(runPackageCli(['unpack', 'p.acpkg', '--out', 'out', '--format', format], dir)).toMatchObject({ code: 0, stderr: '' });
    const unpacked = readFileSync(join(dir, 'out', `Event.${format}`), 'utf8');
    expect(unpacked).toContain('+010000-01-01T00:00:00.000Z');
    expect(unpacked).toContain('-000001-06-01T12:30:00.000Z');
    expect(runPackageCli(['pack', '--manifest', 'out/manifest.yaml', '--out', 'again.acpkg'], dir)).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'again.acpkg')).equals(readFileSync(join(dir, 'p.acpkg')))).toBe(true);
  });

  it('refuses a six-digit year without its sign, as ECMAScript does', () => {
    writeFileSync(join(dir, 'spec.yaml'), spec);
    writeFileSync(join(dir, 'event.csv'), csv);
    const result = runPackageCli(['pack', '--manifest', 'spec.yaml', '--out', 'p.acpkg'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_PACK_INPUT: .*event\.csv:4: column at \(timestamp\)/);
  });
});
