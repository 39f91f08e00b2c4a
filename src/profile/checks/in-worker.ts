/**
 * The profile checks, each run in a worker thread of its own that exits when it answers: the
 * yaml and TypeBox modules it loads (about 20 MB of a 60 MB daemon) are freed with it, and the
 * daemon's own thread never loads them. A check costs a worker's start (tens of ms); the
 * daemon runs one at start and on each reload or new HQ profile.
 */
import { Worker } from 'node:worker_threads';
import { AsyncClientError } from '../../errors.js';
import type { ProfileChecks } from './checks.js';
import { revivedError, type CheckReply, type CheckRequest } from './portable-error.js';

const WORKER = new URL('./worker.js', import.meta.url);

function inWorker<K extends keyof ProfileChecks>(operation: K): ProfileChecks[K] {
  const run = (...args: readonly unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const request: CheckRequest = { operation, args };
      const worker = new Worker(WORKER, { workerData: request });
      worker.once('message', (reply: CheckReply) => (reply.ok ? resolve(reply.value) : reject(revivedError(reply.error))));
      worker.once('error', reject);
      // After an answer this rejects a settled promise: a no-op.
      worker.once('exit', (code) =>
        reject(new AsyncClientError('E_PROFILE_CHECK', `the profile check (${operation}) ended with code ${code} before it answered`)),
      );
    });
  // The worker answers with what inProcessProfileChecks[operation] resolves to.
  return run as ProfileChecks[K];
}

export const workerProfileChecks: ProfileChecks = {
  running: inWorker('running'),
  reload: inWorker('reload'),
  compose: inWorker('compose'),
  assignment: inWorker('assignment'),
  published: inWorker('published'),
};
