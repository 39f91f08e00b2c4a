import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPackageCli } from './package-cli.js';

const SPEC = `direction: download
channelId: store042
sequence: 12
job: { id: N-1000, name: Products }
dataGroup: default
kind: incremental
createdAt: 2026-11-27T10:00:00.000Z
producer: ERP export 3.2
tables:
  - name: Product
    file: product.csv
    primaryKey: [id]
    columns:
      - { name: id, type: string }
      - { name: name, type: string, nullable: true }
      - { name: price, type: decimal }
      - { name: stock, type: integer }
      - { name: active, type: boolean }
      - { name: updatedAt, type: timestamp }
      - { name: image, type: binary, nullable: true }
  - name: Store
    file: store.jsonl
    primaryKey: [storeId]
    columns:
      - { name: storeId, type: integer }
      - { name: region, type: string, nullable: true }
`;

const PRODUCT_CSV = `id,name,price,stock,active,updatedAt,image,_op
P1,"Milk, whole",1.19,9007199254740993,true,2026-11-27T10:00:00Z,AP8=,
P2,"",12.50,-3,0,1764237600000,,upsert
P3,,0.001,0,FALSE,2026-11-27T11:00:00+01:00,,
P9,,,,,,,delete
`;

const STORE_JSONL = `{"storeId": 42, "region": "Nord ✓"}
{"storeId": "9223372036854775807", "region": null}
`;

const expectedName = 'store042_download_000000000012.acpkg';

describe('async-client package (through the built binary)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'package-cli-'));
    writeFileSync(join(dir, 'spec.yaml'), SPEC);
    writeFileSync(join(dir, 'product.csv'), PRODUCT_CSV);
    writeFileSync(join(dir, 'store.jsonl'), STORE_JSONL);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function keygen(name: string): void {
    expect(runPackageCli(['keygen', '--out-dir', 'keys', '--name', name], dir).code).toBe(0);
  }

  function pack(...extra: string[]): ReturnType<typeof runPackageCli> {
    return runPackageCli(['pack', '--manifest', 'spec.yaml', '--out', '.', ...extra], dir);
  }

  it('makes a key pair whose private half only its owner can read, and will not overwrite it unasked', () => {
    keygen('hq');
    expect(statSync(join(dir, 'keys/hq.private.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'keys/hq.public.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = runPackageCli(['keygen', '--out-dir', 'keys', '--name', 'hq'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect(runPackageCli(['keygen', '--out-dir', 'keys', '--name', 'hq', '--force'], dir).code).toBe(0);
  });

  it('packs CSV and JSON Lines, signs, and verify says valid only with the right key', () => {
    keygen('hq');
    keygen('other');
    const packed = pack('--sign-key', 'keys/hq.private.pem');
    expect(packed).toMatchObject({ code: 0, stderr: '' });
    expect(packed.stdout).toContain(`${expectedName}: 6 rows in 2 tables`);
    const good = runPackageCli(
      ['verify', expectedName, '--public-key', 'keys/hq.public.pem', '--channel', 'store042', '--check-name'],
      dir,
    );
    expect(good).toMatchObject({ code: 0, stderr: '' });
    expect(good.stdout).toMatch(/^valid: .*2 tables, 6 rows, body sha256 [0-9a-f]{64}, file sha256 [0-9a-f]{64}, signature verified/);
    const wrongKey = runPackageCli(['verify', expectedName, '--public-key', 'keys/other.public.pem'], dir);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^invalid: E_PACKAGE_SIGNATURE: /);
    expect(runPackageCli(['verify', expectedName, '--channel', 'store001'], dir).stderr).toMatch(/E_PACKAGE_CHANNEL/);
  });

  it('verify exits 1 on a damaged package and 2 on bad usage', () => {
    expect(pack().code).toBe(0);
    const bytes = readFileSync(join(dir, expectedName));
    writeFileSync(join(dir, 'truncated.acpkg'), bytes.subarray(0, bytes.length - 10));
    const truncated = runPackageCli(['verify', 'truncated.acpkg'], dir);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/^invalid: E_PACKAGE_TRUNCATED: .*truncated\.acpkg/);
    expect(runPackageCli(['verify'], dir).code).toBe(2);
    expect(runPackageCli(['verify', expectedName, '--no-such-flag'], dir).code).toBe(2);
    expect(runPackageCli(['verify', 'missing.acpkg'], dir)).toMatchObject({ code: 1, stderr: expect.stringMatching(/ENOENT/) });
  });

  it('inspect shows the manifest and counts, as text or JSON', () => {
    expect(pack().code).toBe(0);
    const text = runPackageCli(['inspect', expectedName], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('channel:     store042 (download, sequence 12)');
    expect(text.stdout).toContain('Product: 3 upserts, 1 deletes; key (id)');
    const json = runPackageCli(['inspect', expectedName, '--json'], dir);
    const parsed = JSON.parse(json.stdout) as { manifest: { tables: Array<{ name: string; upsertCount: number }> }; signature: string };
    expect(parsed.manifest.tables.map((t) => [t.name, t.upsertCount])).toEqual([
      ['Product', 3],
      ['Store', 2],
    ]);
    expect(parsed.signature).toBe('absent');
  });

  it.each(['jsonl', 'csv'])('unpacks to %s and packs back to the very same bytes', (format) => {
    expect(pack().code).toBe(0);
    const original = readFileSync(join(dir, expectedName));
    const unpacked = runPackageCli(['unpack', expectedName, '--out', 'out', '--format', format], dir);
    expect(unpacked).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([`Product.${format}`, `Store.${format}`, 'manifest.yaml']);
    const repacked = runPackageCli(['pack', '--manifest', 'out/manifest.yaml', '--out', 'again.acpkg'], dir);
    expect(repacked.code).toBe(0);
    expect(readFileSync(join(dir, 'again.acpkg')).equals(original)).toBe(true);
  });

  it('refuses a bad input value, naming file, line and column, and leaves nothing behind', () => {
    writeFileSync(join(dir, 'product.csv'), PRODUCT_CSV.replace('12.50', '12.5x'));
    const result = pack();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_PACK_INPUT: .*product\.csv:3: column price \(decimal\)/);
    expect(readdirSync(dir).sort()).toEqual(['product.csv', 'spec.yaml', 'store.jsonl']);
  });

  it('refuses a duplicate key in the input and leaves nothing at the output path', () => {
    writeFileSync(join(dir, 'store.jsonl'), `${STORE_JSONL}{"storeId": 42, "region": "again"}\n`);
    const result = pack();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_PACKAGE_DUPLICATE_KEY: .*store\.jsonl: table Store, row 3: primary key "42"/);
    expect(readdirSync(dir).filter((name) => name.includes('acpkg'))).toEqual([]);
  });

  it('unpacks nothing at all from a damaged package', () => {
    expect(pack().code).toBe(0);
    const bytes = readFileSync(join(dir, expectedName));
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] as number) ^ 0x10;
    writeFileSync(join(dir, 'bad.acpkg'), bytes);
    const result = runPackageCli(['unpack', 'bad.acpkg', '--out', 'out'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/E_PACKAGE_(CHECKSUM|CORRUPT)/);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it.each(['pack', 'inspect', 'verify', 'unpack', 'keygen'])('%s --help explains itself', (name) => {
    const result = runPackageCli([name, '--help'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: async-client package ${name} `));
    expect(result.stdout).toMatch(/Exit codes:/);
  });

  it('says what subcommands exist when given none or an unknown one', () => {
    expect(runPackageCli([], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('Subcommands:') });
    expect(runPackageCli(['frobnicate'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown subcommand frobnicate') });
  });
});
