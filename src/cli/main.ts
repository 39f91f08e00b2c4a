#!/usr/bin/env node
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
