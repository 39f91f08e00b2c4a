/**
 * Bundles the profile check's process (src/profile/checks/subprocess.ts, after tsc) into one file:
 * Node's ES module loader costs about half a millisecond a module, and yaml and TypeBox are over
 * 300 of them, so the unbundled check took 2 to 3 times as long, on the path to the daemon's READY.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/profile/checks/subprocess.js'],
  outfile: 'dist/src/profile/checks/subprocess.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // yaml is CommonJS and requires Node's built-in modules, which an ES module bundle must be given.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
