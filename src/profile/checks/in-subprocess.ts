/**
 * The profile checks, each run in a node process of its own that exits when it answers: the
 * yaml and TypeBox modules it loads never enter the daemon's memory. A worker thread did the same
 * job but left about 3 MB behind in the daemon for good (the pages its start-up touched and its
 * allocator arena). A check costs a process start (tens of ms); the daemon runs one at start and
 * on each reload or new HQ profile.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AsyncClientError } from '../../errors.js';
import type { ProfileChecks } from './checks.js';
import { revivedError, type CheckReply, type CheckRequest } from './portable-error.js';

/** subprocess.ts and what it imports, bundled by `npm run build` into the folder of the code that forks it: dist/src/profile/checks/, or dist/bin/ for the bundled CLI (scripts/bundle.mjs). */
const ENTRY = fileURLToPath(new URL('./subprocess.bundle.js', import.meta.url));

function inSubprocess<K extends keyof ProfileChecks>(operation: K): ProfileChecks[K] {
  const run = (...args: readonly unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const request: CheckRequest = { operation, args };
      // stdout is the daemon's log; the check writes nothing there. A crash's trace goes to stderr.
      const check = fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      check.once('message', (reply: CheckReply) => (reply.ok ? resolve(reply.value) : reject(revivedError(reply.error))));
      check.once('error', reject);
      // After an answer this rejects a settled promise: a no-op.
      check.once('exit', (code, signal) =>
        reject(
          new AsyncClientError(
            'E_PROFILE_CHECK',
            `the profile check (${operation}) ended with ${signal ?? `code ${code}`} before it answered`,
          ),
        ),
      );
      check.send(request);
    });
  // The process answers with what inProcessProfileChecks[operation] resolves to.
  return run as ProfileChecks[K];
}

export const subprocessProfileChecks: ProfileChecks = {
  running: inSubprocess('running'),
  reload: inSubprocess('reload'),
  compose: inSubprocess('compose'),
  assignment: inSubprocess('assignment'),
  published: inSubprocess('published'),
};
