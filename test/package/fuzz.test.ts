import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMORY_LIMIT_MIB } from '../support/capped-cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FUZZ = path.resolve(here, '../../dist/fuzz/package-fuzz.js');
const PEAK_RSS = path.resolve(here, '../support/peak-rss.mjs');

/** A bounded run of the seeded fuzzer (npm run fuzz runs it long), in a child process under a heap cap. */
describe('seeded mutations of valid packages (fuzz/package-fuzz.ts)', () => {
  it.each([1, 2])(
    'seed %i: every refusal has a package code and one line, no changed byte passes the frame, memory stays capped',
    (seed) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'fuzz-'));
      try {
        const peakFile = path.join(dir, 'peak');
        const result = spawnSync(
          process.execPath,
          ['--max-old-space-size=64', '--import', PEAK_RSS, FUZZ, '--count', '1000', '--seed', String(seed)],
          {
            encoding: 'utf8',
            timeout: 120_000,
            env: { ...process.env, PEAK_RSS_FILE: peakFile },
          },
        );
        const summary = JSON.parse(result.stdout) as {
          count: number;
          outcomes: Record<string, number>;
          failed: number;
          failures: unknown[];
        };
        expect(summary.failures).toEqual([]);
        expect(result.status).toBe(0);
        expect(result.stderr).toBe('');
        expect(Object.values(summary.outcomes).reduce((sum, n) => sum + n, 0)).toBe(1000);
        // The mutations reach the content checks, not only the frame's.
        for (const code of [
          'E_PACKAGE_CHECKSUM',
          'E_PACKAGE_TRUNCATED',
          'E_PACKAGE_CORRUPT',
          'E_PACKAGE_ENCODING',
          'E_PACKAGE_COUNTS',
          'E_PACKAGE_ROW',
        ]) {
          expect(summary.outcomes[code]).toBeGreaterThan(0);
        }
        expect(Number(readFileSync(peakFile, 'utf8')) / 1024).toBeLessThan(MEMORY_LIMIT_MIB);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
