import type path from 'node:path';

/** The file system calls a placement makes: `fs.promises`, on the main thread or in the file worker. */
export interface PlacementCalls {
  realpath(file: string): Promise<string>;
  stat(file: string): Promise<{ isDirectory(): boolean; readonly dev: number | bigint }>;
}

/** `node:path`, as far as a placement uses it. */
export type PlacementPaths = Pick<typeof path, 'join' | 'dirname' | 'sep'>;

/**
 * The real path of the working folder's root, or the system error that keeps it out of reach
 * (a root that is not a folder fails with ENOTDIR; a mount point with nothing mounted, with ENOTCONN).
 *
 * Self-contained, like `placeUnder`: it names no import and no other function of this module,
 * because the file worker runs it from its source text (file-worker-script.ts), so that the path
 * checks of a read are made where the read is.
 */
export async function realRootOf(calls: PlacementCalls, paths: PlacementPaths, root: string, mountPoint: boolean): Promise<string> {
  const real = await calls.realpath(root);
  const stats = await calls.stat(real);
  if (!stats.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  // An unmounted share leaves its empty mount point behind, which must not read as an empty folder.
  if (mountPoint && real !== paths.dirname(real) && (await calls.stat(paths.dirname(real))).dev === stats.dev) {
    throw Object.assign(new Error('nothing is mounted there (the share is not mounted)'), { code: 'ENOTCONN' });
  }
  return real;
}

/**
 * Where `segments` lead under the root's real path: the absolute path, and, when the real path of
 * its deepest existing part leads out of the root through a link, that real path (`outside`).
 * Throws the system error of a part that cannot be resolved for another reason than not existing.
 */
export async function placeUnder(
  calls: PlacementCalls,
  paths: PlacementPaths,
  realRoot: string,
  segments: readonly string[],
): Promise<{ readonly absolute: string; readonly outside: string | null }> {
  const absolute = paths.join(realRoot, ...segments);
  for (let existing = absolute; ; existing = paths.dirname(existing)) {
    let real: string;
    try {
      real = await calls.realpath(existing);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (existing === realRoot || (code !== 'ENOENT' && code !== 'ENOTDIR')) throw error;
      continue;
    }
    const inside = real === realRoot || real.startsWith(realRoot.endsWith(paths.sep) ? realRoot : realRoot + paths.sep);
    return { absolute, outside: inside ? null : real };
  }
}
