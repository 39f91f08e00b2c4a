// Preloaded with `node --import` into a spawned CLI: when the process exits, writes its peak
// resident set size in KiB to $PEAK_RSS_FILE, so that a test can assert the memory a whole
// command took. VmHWM of /proc/self/status, not getrusage's ru_maxrss: ru_maxrss survives
// execve, so it would report the spawning test runner's size whenever that was larger.
// Plain JavaScript: it runs in the child, outside jest and SWC.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.PEAK_RSS_FILE;
if (file !== undefined) {
  process.on('exit', () => {
    const peak = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    writeFileSync(file, peak?.[1] ?? String(process.resourceUsage().maxRSS));
  });
}
