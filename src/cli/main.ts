#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=524288 MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=50
// Nothing but Node's own code runs before this line: every other module loads below, after
// the stop signals are held (see early-signals.ts).
import { holdStopSignals } from './early-signals.js';

holdStopSignals();
const { main } = await import('./dispatch.js');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
