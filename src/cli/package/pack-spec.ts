import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ColumnSpec, PackageManifestInput } from '../../package/index.js';
import type { TableSchema } from './table-input.js';
import { UsageError } from './usage.js';

/** What `package pack` is asked to build: the manifest fields and, per table, its schema and input file. */
export interface PackSpec {
  readonly manifest: Omit<PackageManifestInput, 'tables'>;
  readonly tables: ReadonlyArray<{ readonly schema: TableSchema; readonly file: string }>;
}

export interface PackFlags {
  readonly manifest?: string;
  readonly table?: readonly string[];
  readonly channel?: string;
  readonly direction?: string;
  readonly sequence?: string;
  readonly 'job-id'?: string;
  readonly 'job-name'?: string;
  readonly 'data-group'?: string;
  readonly kind?: string;
  readonly producer?: string;
  readonly 'created-at'?: string;
}

/** The options `pack` and `fanout` both read: the spec and its manifest overrides (PackFlags), and the signing key. */
export const PACK_SPEC_OPTIONS = {
  manifest: { type: 'string' },
  table: { type: 'string', multiple: true },
  'sign-key': { type: 'string' },
  'job-id': { type: 'string' },
  'job-name': { type: 'string' },
  'data-group': { type: 'string' },
  kind: { type: 'string' },
  producer: { type: 'string' },
  'created-at': { type: 'string' },
} as const;

type Yaml = Record<string, unknown>;

function asObject(value: unknown, what: string): Yaml {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${what} must be a mapping`);
  return value as Yaml;
}

/**
 * Reads the spec YAML (if any) and lets flags override its manifest fields; `--table NAME=FILE`
 * gives or replaces a table's input file. The package writer checks the result in full.
 */
export async function loadPackSpec(flags: PackFlags, cwd: string, producerDefault: string): Promise<PackSpec> {
  const specPath = flags.manifest === undefined ? undefined : resolve(cwd, flags.manifest);
  const yaml = specPath === undefined ? {} : asObject(parseYaml(await readFile(specPath, 'utf8')) ?? {}, specPath);
  const base = specPath === undefined ? cwd : dirname(specPath);
  const job = yaml.job === undefined ? {} : asObject(yaml.job, 'job');
  const files = new Map<string, string>();
  for (const entry of flags.table ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--table expects NAME=FILE, got ${entry}`);
    files.set(entry.slice(0, at), resolve(cwd, entry.slice(at + 1)));
  }
  const tablesYaml = yaml.tables ?? [];
  if (!Array.isArray(tablesYaml) || tablesYaml.length === 0)
    throw new UsageError('the spec must list tables (name, columns, primaryKey, file)');
  const tables = tablesYaml.map((value: unknown, index) => {
    const table = asObject(value, `tables[${index}]`);
    const name = String(table.name);
    const file = files.get(name) ?? (typeof table.file === 'string' ? resolve(base, table.file) : undefined);
    if (file === undefined) throw new UsageError(`table ${name} has no input file: give file: in the spec or --table ${name}=FILE`);
    files.delete(name);
    const columns = (Array.isArray(table.columns) ? table.columns : []).map((column: unknown, at) => {
      const c = asObject(column, `tables[${index}].columns[${at}]`);
      return { name: c.name, type: c.type, nullable: c.nullable ?? false } as ColumnSpec;
    });
    return { schema: { name, columns, primaryKey: table.primaryKey as string[] }, file };
  });
  if (files.size > 0) throw new UsageError(`--table names tables the spec does not list: ${[...files.keys()].join(', ')}`);
  const sequence = flags.sequence ?? yaml.sequence;
  return {
    manifest: {
      direction: (flags.direction ?? yaml.direction) as PackageManifestInput['direction'],
      channelId: (flags.channel ?? yaml.channelId) as string,
      sequence: typeof sequence === 'string' ? Number(sequence) : (sequence as number),
      job: { id: String(flags['job-id'] ?? job.id ?? ''), name: String(flags['job-name'] ?? job.name ?? '') },
      dataGroup: String(flags['data-group'] ?? yaml.dataGroup ?? ''),
      kind: (flags.kind ?? yaml.kind ?? 'incremental') as PackageManifestInput['kind'],
      createdAt: String(flags['created-at'] ?? yaml.createdAt ?? new Date().toISOString()),
      producer: String(flags.producer ?? yaml.producer ?? producerDefault),
    },
    tables,
  };
}
