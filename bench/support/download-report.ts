import { tmpdir } from 'node:os';
import { BACKLOG, BACKLOG_ROWS, LARGER, ROWS } from './download-fixture.js';
import { formatCount, markdownTable, type PhaseResult } from './phases.js';

/** The download bench's table: each figure beside its same-run baseline and its target. */
export function printDownloadReport(result: (phase: string) => PhaseResult, repeat: number): void {
  const rate = (phase: string): number => ROWS / result(phase).seconds;
  const rss = (phase: string): string => `${result(phase).peakRssMb.toFixed(0)} MB`;
  const backlog = result('cycle-backlog');
  const writer = result('cycle-large-with-writer');
  const fullWriter = result('cycle-full-with-writer');
  console.log(
    `download: ${formatCount(ROWS)}-row incremental and full packages onto a ${formatCount(ROWS)}-row table (rates: median of ${repeat}, interleaved with their baseline); ${formatCount(BACKLOG)} packages of ${BACKLOG_ROWS} rows (node ${process.version}, ${tmpdir()})\n`,
  );
  console.log(
    markdownTable(
      ['measure', 'result', 'baseline', 'ratio', 'peak RSS', 'target'],
      [
        [
          'large apply: rows/s (stage, verify, apply, journal, report)',
          formatCount(rate('cycle-large')),
          `${formatCount(rate('baseline-upsert'))} (prepared upsert from memory, one transaction)`,
          `${(rate('cycle-large') / rate('baseline-upsert')).toFixed(2)}x`,
          rss('cycle-large'),
          '≥ 0.8x, < 100 MB',
        ],
        [
          'full apply: rows/s (stage, verify, apply, journal, report)',
          formatCount(rate('cycle-full')),
          `${formatCount(rate('baseline-import'))} (sqlite3 shell .import of the rows as CSV, same primary key)`,
          `${(rate('cycle-full') / rate('baseline-import')).toFixed(2)}x`,
          rss('cycle-full'),
          '≥ 0.7x, < 100 MB',
        ],
        [
          `full apply of ${formatCount(ROWS * LARGER)} rows: peak RSS against ${formatCount(ROWS)}`,
          `${formatCount((ROWS * LARGER) / result('cycle-full-larger').seconds)} rows/s`,
          '',
          `${(result('cycle-full-larger').peakRssMb / result('cycle-full').peakRssMb).toFixed(2)}x RSS`,
          rss('cycle-full-larger'),
          'flat (within 10 %)',
        ],
        [
          `incremental apply of ${formatCount(ROWS * LARGER)} rows: peak RSS against ${formatCount(ROWS)}`,
          `${formatCount((ROWS * LARGER) / result('cycle-large-larger').seconds)} rows/s`,
          '',
          `${(result('cycle-large-larger').peakRssMb / result('cycle-large').peakRssMb).toFixed(2)}x RSS`,
          rss('cycle-large-larger'),
          'flat (within 10 %)',
        ],
        ['backlog: packages/s', formatCount(BACKLOG / backlog.seconds), '', '', rss('cycle-backlog'), '≥ 1,000'],
        [
          'backlog: ms per package, first / last thousand',
          `${Number(backlog.firstThousandMs).toFixed(2)} / ${Number(backlog.lastThousandMs).toFixed(2)}`,
          '',
          `${(Number(backlog.lastThousandMs) / Number(backlog.firstThousandMs)).toFixed(2)}x`,
          '',
          'not growing',
        ],
        [
          'POS longest wait during the incremental apply',
          `${Number(writer.writerLongestWaitMs).toFixed(0)} ms`,
          '',
          '',
          rss('cycle-large-with-writer'),
          'as low as the design allows',
        ],
        [
          'POS longest wait during the full apply',
          `${Number(fullWriter.writerLongestWaitMs).toFixed(0)} ms`,
          '',
          '',
          rss('cycle-full-with-writer'),
          '≤ 250 ms',
        ],
      ],
    ),
  );
  console.log(
    `\nbaseline peak RSS ${rss('baseline-upsert')} (upsert), ${rss('baseline-import')} (sqlite3 .import); the POS till made ${writer.writerSales} sales during the incremental apply, which took ${writer.seconds.toFixed(1)} s with it (${result('cycle-large').seconds.toFixed(1)} s without), and ${fullWriter.writerSales} during the full apply, ${fullWriter.seconds.toFixed(1)} s with it (${result('cycle-full').seconds.toFixed(1)} s without)`,
  );
}
