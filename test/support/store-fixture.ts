import { CliProcess } from './daemon-process.js';
import { TempStore } from './temp-store.js';

export interface StoreFixture {
  /** This test's store. */
  readonly store: TempStore;
  /** Starts the built CLI; whatever still runs when the test ends is killed by PID. */
  start(args: readonly string[], env?: NodeJS.ProcessEnv): CliProcess;
}

/**
 * Call in a `describe`: each of its tests gets a fresh TempStore, and afterwards every CLI
 * process the test started is killed by PID and the store removed.
 */
export function useTempStore(): StoreFixture {
  let current: TempStore | undefined;
  const started: CliProcess[] = [];
  beforeEach(async () => {
    current = await TempStore.create();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((process) => process.kill()));
    await current?.remove();
    current = undefined;
  });
  return {
    get store(): TempStore {
      if (current === undefined) throw new Error('useTempStore: the store exists only inside a test');
      return current;
    },
    start(args, env) {
      const process = CliProcess.start(args, env);
      started.push(process);
      return process;
    },
  };
}
