import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ColumnType } from '../../src/package/index.js';

/** HQ's product catalog as the pack benchmarks and the fan-out use it: 8 columns of every common type. */
export const CATALOG_COLUMNS: ReadonlyArray<{ readonly name: string; readonly type: ColumnType; readonly nullable: boolean }> = [
  { name: 'productId', type: 'string', nullable: false },
  { name: 'name', type: 'string', nullable: false },
  { name: 'category', type: 'string', nullable: false },
  { name: 'barcode', type: 'string', nullable: true },
  { name: 'price', type: 'decimal', nullable: false },
  { name: 'stock', type: 'integer', nullable: false },
  { name: 'active', type: 'boolean', nullable: false },
  { name: 'updatedAt', type: 'timestamp', nullable: false },
];

const CATEGORIES = ['Beverages', 'Bakery', 'Dairy', 'Produce', 'Frozen', 'Household', 'Snacks', 'Personal care'];
const WORDS = ['Organic', 'Classic', 'Family size', 'Light', 'Sparkling', 'Whole grain', 'Premium', 'Value pack', 'Fresh', 'Smoked'];

function catalogValues(i: number): [string, string, string, string | null, string, number, boolean, number] {
  const cents = 99 + ((i * 7919) % 250_000);
  return [
    `P${String(i).padStart(8, '0')}`,
    `${WORDS[i % WORDS.length]} ${WORDS[(i >> 3) % WORDS.length]} item ${i}`,
    CATEGORIES[i % CATEGORIES.length] as string,
    i % 10 === 0 ? null : String(4_000_000_000_000 + i * 13),
    `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    (i * 31) % 5000,
    i % 17 !== 0,
    1_767_225_600_000 + i * 60_000,
  ];
}

async function writeLines(path: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  let text = header;
  for (let i = 0; i < rows; i++) {
    text += line(i);
    if (text.length >= 1 << 20) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  out.end(text);
  await once(out, 'finish');
}

/** The catalog as CSV (names quoted, an empty field for no barcode) and as JSON Lines, `rows` rows each. */
export async function writeCatalogFiles(csv: string, jsonl: string, rows: number): Promise<void> {
  await writeLines(csv, `${CATALOG_COLUMNS.map((c) => c.name).join(',')}\n`, rows, (i) => {
    const [id, name, category, barcode, price, stock, active, updatedAt] = catalogValues(i);
    return `${id},"${name}",${category},${barcode ?? ''},${price},${stock},${active},${updatedAt}\n`;
  });
  await writeLines(jsonl, '', rows, (i) => {
    const values = catalogValues(i);
    return `${JSON.stringify(Object.fromEntries(CATALOG_COLUMNS.map((column, index) => [column.name, values[index]])))}\n`;
  });
}

/** The pack spec for the catalog: a full package of one table keyed by productId. */
export function catalogSpec(file: string): string {
  const columns = CATALOG_COLUMNS.map((c) => `      - { name: ${c.name}, type: ${c.type}, nullable: ${c.nullable} }`).join('\n');
  return `direction: download
channelId: bench
sequence: 1
job: { id: N-1000, name: Catalog }
dataGroup: all-stores
kind: full
createdAt: 2026-01-01T00:00:00Z
tables:
  - name: Product
    file: ${file}
    primaryKey: [productId]
    columns:
${columns}
`;
}
