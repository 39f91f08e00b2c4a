import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AsyncClientError } from '../errors.js';

/** A table whose uploads stay paused until an operator sets its watermark. */
export interface HeldTable {
  readonly table: string;
  readonly code: string;
  readonly message: string;
  /** ISO 8601 UTC. */
  readonly since: string;
}

/**
 * Tables held back because their counter went backwards (a restored backup). The plan sees a
 * backwards counter only while the highest counter is below the watermark; once the POS has
 * written past it again, the rows in between would be skipped without a word. So a table,
 * once seen going backwards, stays held here, in `<stateDirectory>/upload-held.json`, until
 * `async-client upload --set-watermark TABLE=COUNTER` releases it.
 */
export class HeldTables {
  constructor(private readonly file: string) {}

  static in(stateDirectory: string): HeldTables {
    return new HeldTables(join(stateDirectory, 'upload-held.json'));
  }

  async read(): Promise<HeldTable[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      return JSON.parse(text) as HeldTable[];
    } catch (error) {
      throw new AsyncClientError(
        'E_UPLOAD_HELD_FILE',
        `${this.file} is not the JSON list of held upload tables it should be (${String(error)}); restore it, or delete it after checking each table's watermark`,
        { file: this.file },
      );
    }
  }

  async hold(tables: readonly HeldTable[]): Promise<void> {
    const held = await this.read();
    const added = tables.filter((t) => !held.some((h) => h.table === t.table));
    if (added.length > 0) await this.write([...held, ...added]);
  }

  /** Returns whether the table was held. */
  async release(table: string): Promise<boolean> {
    const held = await this.read();
    const kept = held.filter((h) => h.table !== table);
    if (kept.length !== held.length) await this.write(kept);
    return kept.length !== held.length;
  }

  private async write(held: readonly HeldTable[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp-${process.pid}`;
    await writeFile(temporary, `${JSON.stringify(held, null, 2)}\n`);
    await rename(temporary, this.file);
  }
}
