import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableSpec } from '../../package/index.js';
import { FORMAT_VERSION, validateManifest } from '../../package/manifest.js';
import { BodySpool, type SpooledBody } from '../../package/spooled-body.js';
import type { PackSpec } from './pack-spec.js';
import type { Progress } from './progress.js';
import { readTableLines } from './table-input.js';

/**
 * Reads every input file of `spec` once, checking each row, into one compressed body in a
 * temporary folder, and hands it with the counted tables to `use`; the folder is removed
 * afterwards, whatever happens. Nothing reaches an output before every row has passed.
 */
export async function withSpooledTables<T>(
  spec: PackSpec,
  progress: Progress,
  use: (body: SpooledBody, tables: readonly TableSpec[]) => Promise<T>,
): Promise<T> {
  // The manifest's own fields are checked before the long read, with counts still unknown.
  const unknownCounts = spec.tables.map(({ schema }) => ({ ...schema, upsertCount: 0, deleteCount: 0 }));
  validateManifest({ ...spec.manifest, tables: unknownCounts, formatVersion: FORMAT_VERSION }, 'package manifest');
  const folder = await mkdtemp(join(tmpdir(), 'async-client-pack-'));
  try {
    const spool = new BodySpool(join(folder, 'body.deflate'));
    const tables: TableSpec[] = [];
    try {
      for (const { schema, file } of spec.tables) {
        tables.push(
          await readTableLines(file, schema, async (lines, rows) => {
            await spool.write(lines);
            progress.addRows(rows, lines.byteLength);
          }),
        );
      }
    } catch (error) {
      await spool.abort();
      throw error;
    }
    const body = await spool.finish();
    progress.done();
    return await use(body, tables);
  } finally {
    progress.done();
    await rm(folder, { recursive: true, force: true });
  }
}
