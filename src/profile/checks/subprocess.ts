/**
 * A profile check's process (in-subprocess.ts): answers the one request it is sent, then lets go
 * of its channel and ends. When the daemon is gone first, the closed channel ends it too.
 */
import { inProcessProfileChecks } from './in-process.js';
import { portableError, type CheckReply, type CheckRequest } from './portable-error.js';

async function answer({ operation, args }: CheckRequest): Promise<CheckReply> {
  const check = inProcessProfileChecks[operation] as (...args: readonly unknown[]) => Promise<unknown>;
  try {
    return { ok: true, value: await check(...args) };
  } catch (error) {
    return { ok: false, error: portableError(error) };
  }
}

process.once('message', (request: CheckRequest) => {
  void answer(request).then((reply) =>
    process.send?.(reply, undefined, {}, () => {
      if (process.connected) process.disconnect();
    }),
  );
});
