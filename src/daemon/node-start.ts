/**
 * How the daemon's node process is started: systemd/async-client.service and `npm start` say the
 * same (test/systemd/unit.test.ts checks), and the benchmarks start their measured processes so.
 * V8 and glibc read these only at start-up. They keep a large apply's peak RSS under 100 MB
 * (docs/applying.md, "Memory"): V8's young generation capped at 8 MB instead of 32, its old
 * generation collected once it has grown by half over what is live instead of about threefold,
 * and glibc's mmap threshold fixed at its default value, which stops glibc from raising it (and
 * keeping twice as much unused at the top of its heap) each time it frees a large block. Fixing it
 * also fixes the trim threshold at 128 KiB, and glibc then gave memory back and took it again so
 * often that a large full apply ran some 5 % faster with 512 KiB; with the threads' allocations in
 * two arenas instead of one a core each, its peak RSS stayed as it was (docs/benchmarks.md, issue
 * 10, twenty-sixth round).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

export const DAEMON_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '524288',
  MALLOC_ARENA_MAX: '2',
};
