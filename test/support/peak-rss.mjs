// Preloaded with `node --import` into a spawned CLI: when the process exits, writes its peak
// resident set size in KiB (getrusage's ru_maxrss) to $PEAK_RSS_FILE, so that a test can assert
// the memory a whole command took. Plain JavaScript: it runs in the child, outside jest and SWC.
import { writeFileSync } from 'node:fs';

const file = process.env.PEAK_RSS_FILE;
if (file !== undefined) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
