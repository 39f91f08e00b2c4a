/**
 * `npm run bench [-- NAME...]`: runs every bench/*.bench.ts (built into dist/bench/) one
 * after another, each in its own process, or only those whose name contains a NAME.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const scripts = readdirSync(folder)
  .filter((name) => name.endsWith('.bench.js'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const script of scripts) {
  process.stdout.write(`\n## ${script.replace('.bench.js', '')}\n\n`);
  const result = spawnSync(process.execPath, [path.join(folder, script)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    process.stderr.write(`${script} failed (exit ${result.status ?? result.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
