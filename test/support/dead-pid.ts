import { spawnSync } from 'node:child_process';

/** A pid that belonged to a process that has ended: the owner of files a killed process left. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}
