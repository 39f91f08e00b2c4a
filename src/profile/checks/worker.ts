/** A worker thread's entry: runs one profile check (workerData), posts its answer, and ends. */
import { parentPort, workerData } from 'node:worker_threads';
import { portableError, type CheckRequest } from './portable-error.js';
import { inProcessProfileChecks } from './in-process.js';

const { operation, args } = workerData as CheckRequest;
const check = inProcessProfileChecks[operation] as (...args: readonly unknown[]) => Promise<unknown>;
try {
  parentPort?.postMessage({ ok: true, value: await check(...args) });
} catch (error) {
  parentPort?.postMessage({ ok: false, error: portableError(error) });
}
