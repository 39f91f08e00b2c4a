import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Real file-system limits for tests: a size-limited tmpfs (a disk that fills up) that can
 * be remounted read-only. chmod cannot stop root, and the tests run as root, so a mount is
 * the honest way to get EROFS and ENOSPC. Needs root (CAP_SYS_ADMIN).
 */
export const canMount = process.getuid?.() === 0;

export async function mountTmpfs(dir: string, sizeBytes: number): Promise<void> {
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
}

export async function remountReadOnly(dir: string): Promise<void> {
  await run('mount', ['-o', 'remount,ro', dir]);
}

export async function unmount(dir: string): Promise<void> {
  await run('umount', [dir]);
}
