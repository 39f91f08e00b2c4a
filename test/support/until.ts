import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it holds; never asserts on a time, only gives up after a generous bound. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(100);
  }
}
