/**
 * Bundles what `npm run build` ships to run, after tsc has written dist/src:
 *
 * - dist/bin/: the CLI (`async-client.js`, what the service and `npm start` run) and the profile
 *   check's process (`subprocess.bundle.js`, forked by src/profile/checks/in-subprocess.ts from
 *   beside the code that forks it). Node's ES module loader costs about half a millisecond a
 *   module and holds each module's record for good: bundled, an idle daemon holds 0.8 MB less and
 *   is READY about a tenth sooner (docs/benchmarks.md, issue 10, twenty-second round). The
 *   modules the daemon loads on first use (`import()`: a cycle's, an adapter's) stay chunks of
 *   their own, loaded as late as before. `meta.json` maps each file to the modules it holds
 *   (test/e2e/lean-start.test.ts reads it).
 * - dist/src/profile/checks/subprocess.bundle.js: the same check for the unbundled tree, which
 *   the benchmarks' phases import. yaml and TypeBox are over 300 modules: unbundled, the check
 *   took 2 to 3 times as long, on the path to READY (fifth round).
 */
import { writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some dependencies are CommonJS and require Node's built-in modules, which an ES module bundle must be given.
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
  },
};

const shipped = await build({
  ...common,
  entryPoints: [
    { in: 'dist/src/cli/main.js', out: 'async-client' },
    { in: 'dist/src/profile/checks/subprocess.js', out: 'subprocess.bundle' },
  ],
  outdir: 'dist/bin',
  splitting: true,
  // Stack traces name the bundle's lines; `node --enable-source-maps` maps them back to the sources.
  sourcemap: 'linked',
  // A native addon, loaded from its package (the writer thread resolves it by name too).
  external: ['better-sqlite3'],
  metafile: true,
});
await writeFile('dist/bin/meta.json', JSON.stringify(shipped.metafile));

await build({
  ...common,
  entryPoints: ['dist/src/profile/checks/subprocess.js'],
  outfile: 'dist/src/profile/checks/subprocess.bundle.js',
});
