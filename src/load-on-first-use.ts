/**
 * `load` run on the first call, its promise kept for every call after: modules a store may never
 * need (a cycle's, an apply's) load when first used, so that an idle daemon holds only what its
 * store has used (docs/benchmarks.md, issue 10, twentieth round). A load that fails (a file
 * descriptor short for a moment) is not kept: the next call tries again, where a daemon running
 * for months would otherwise fail every cycle until restarted.
 */
export function loadOnFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
