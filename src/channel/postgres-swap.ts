import type pg from 'pg';
import { qualified, quoteIdent, type Row } from './postgres-connection.js';
import type { PostgresTable } from './postgres-schema.js';

/**
 * Whether a full package may build the table anew and swap it in, and what the new table must
 * carry over: the owner, storage options, comment, grants and indexes (constraints included).
 * Only a plain table nothing else names qualifies, owned by the service user or a role it is a
 * member of, in a schema where both may create tables: no triggers, rules, policies, foreign keys
 * either way, views or functions naming it or its row type, inheritance, identity or owned
 * sequences, column grants, publications, own tablespace or replica identity. Any other table
 * keeps the in-place replace (DELETE, then INSERT from the stage).
 */
export interface SwapPlan {
  readonly owner: string;
  readonly options: string | null;
  readonly comment: string | null;
  /** `GRANT ... TO ...` clauses, grantee quoted, as the old table's ACL holds them. */
  readonly grants: readonly string[];
  /** The old table's indexes: a constraint's definition, or an index's from `USING` on. */
  readonly indexes: readonly SwapIndex[];
}

interface SwapIndex {
  readonly name: string;
  readonly constraint: boolean;
  readonly unique: boolean;
  readonly definition: string;
}

const ELIGIBLE = `SELECT pg_get_userbyid(c.relowner) AS owner, array_to_string(c.reloptions, ', ') AS options,
    obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c
  WHERE c.oid = $1 AND c.relkind = 'r' AND c.relpersistence = 'p' AND NOT c.relispartition AND NOT c.relrowsecurity
    AND c.reltablespace = 0 AND c.relreplident = 'd' AND pg_has_role(c.relowner, 'MEMBER')
    AND has_schema_privilege(c.relnamespace, 'CREATE') AND has_schema_privilege(c.relowner, c.relnamespace, 'CREATE')
    AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid)
    AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = c.oid)
    AND NOT EXISTS (SELECT 1 FROM pg_rewrite WHERE ev_class = c.oid)
    AND NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid)
    AND NOT EXISTS (SELECT 1 FROM pg_publication_rel WHERE prrelid = c.oid)
    AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' AND (conrelid = c.oid OR confrelid = c.oid))
    AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0
      AND (attacl IS NOT NULL OR attidentity <> ''))
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid
      AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'S')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.deptype = 'n' AND NOT (d.classid = 'pg_class'::regclass AND d.objid = c.oid)
      AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid) OR (d.refclassid = 'pg_type'::regclass AND d.refobjid = c.reltype))
      AND NOT EXISTS (SELECT 1 FROM pg_depend own WHERE own.classid = d.classid AND own.objid = d.objid
        AND own.refclassid = 'pg_class'::regclass AND own.refobjid = c.oid AND own.deptype IN ('a', 'i')))`;

const GRANTS = `SELECT a.privilege_type, a.is_grantable,
    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee
  FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1`;

// An index's definition from USING on, when pg_get_indexdef starts as expected; else null (no swap).
const INDEXES = `SELECT x.relname AS name, con.oid IS NOT NULL AS is_constraint, i.indisunique,
    CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid)
      WHEN starts_with(pg_get_indexdef(i.indexrelid), p.prefix) THEN substr(pg_get_indexdef(i.indexrelid), length(p.prefix) + 1)
    END AS definition
  FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
  CROSS JOIN LATERAL (SELECT format('CREATE %sINDEX %I ON %I.%I USING ', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END,
    x.relname, n.nspname, t.relname) AS prefix) p
  WHERE i.indrelid = $1`;

/** The swap plan for `table`, or null when it must be replaced in place. */
export async function planSwap(client: pg.ClientBase, table: PostgresTable): Promise<SwapPlan | null> {
  const found = (await client.query<Row>(ELIGIBLE, [table.oid])).rows[0];
  if (found === undefined) return null;
  const indexes = (await client.query<Row>(INDEXES, [table.oid])).rows;
  if (indexes.some((i) => i.definition === null)) return null;
  const grants = (await client.query<Row>(GRANTS, [table.oid])).rows;
  return {
    owner: found.owner as string,
    options: found.options ?? null,
    comment: found.comment ?? null,
    grants: grants.map((g) => `${g.privilege_type} TO ${g.grantee}${g.is_grantable === 't' ? ' WITH GRANT OPTION' : ''}`),
    indexes: indexes.map((i) => ({
      name: i.name as string,
      constraint: i.is_constraint === 't',
      unique: i.indisunique === 't',
      definition: i.definition as string,
    })),
  };
}

/** The name of the table a swap fills, beside the old one; `n` tells the package's tables apart. */
export function swapTableName(n: number): string {
  return `async_client_swap_${process.pid}_${n}`;
}

/** Creates the new table: the old one's columns, defaults, CHECK and NOT NULL constraints, storage, no index yet. */
export async function createSwapTable(client: pg.ClientBase, table: PostgresTable, plan: SwapPlan, name: string): Promise<void> {
  const options = plan.options === null || plan.options === '' ? '' : ` WITH (${plan.options})`;
  await client.query(
    `CREATE TABLE ${qualified(table.schema, name)} (LIKE ${qualified(table.schema, table.name)} INCLUDING ALL EXCLUDING INDEXES)${options}`,
  );
}

/** Builds the new table's indexes (what fails here, a duplicate key, fails before any lock on the old table). */
export async function indexSwapTable(client: pg.ClientBase, table: PostgresTable, plan: SwapPlan, name: string): Promise<undefined> {
  const target = qualified(table.schema, name);
  for (const [i, index] of plan.indexes.entries()) {
    const temporary = quoteIdent(`${name}_${i}`);
    await client.query(
      index.constraint
        ? `ALTER TABLE ${target} ADD CONSTRAINT ${temporary} ${index.definition}`
        : `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${temporary} ON ${target} USING ${index.definition}`,
    );
  }
  await client.query(`ANALYZE ${target}`);
  return undefined;
}

/** How long the swap waits for the POS to let go of the old table before it copies the rows over instead. */
const SWAP_LOCK_WAIT = '200ms';

/**
 * Swaps the new table in: owner, grants and comment carried over, the old table dropped and the
 * new one and its indexes given the old names. The POS waits from here to the commit. A POS
 * transaction that holds the old table (a session idle in a transaction that read it) would make
 * the swap, and every POS statement queued behind it, wait: past SWAP_LOCK_WAIT the rows are
 * copied into the old table instead (DELETE, INSERT), as for a table that cannot be swapped.
 */
export async function swapIn(
  client: pg.ClientBase,
  table: PostgresTable,
  plan: SwapPlan,
  name: string,
  columns: readonly string[],
): Promise<void> {
  const target = qualified(table.schema, name);
  const old = qualified(table.schema, table.name);
  if (!(await lockedBriefly(client, old))) {
    await client.query(`DELETE FROM ${old}`);
    await client.query(`INSERT INTO ${old} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${target}`);
    await client.query(`DROP TABLE ${target}`);
    return;
  }
  await client.query(`ALTER TABLE ${target} OWNER TO ${quoteIdent(plan.owner)}`);
  for (const grant of plan.grants) await client.query(`GRANT ${grant.replace(' TO ', ` ON ${target} TO `)}`);
  if (plan.comment !== null) await client.query(`COMMENT ON TABLE ${target} IS ${literal(plan.comment)}`);
  await client.query(`DROP TABLE ${old}`);
  await client.query(`ALTER TABLE ${target} RENAME TO ${quoteIdent(table.name)}`);
  for (const [i, index] of plan.indexes.entries()) {
    await client.query(`ALTER INDEX ${qualified(table.schema, `${name}_${i}`)} RENAME TO ${quoteIdent(index.name)}`);
  }
}

/** Takes the table's exclusive lock within SWAP_LOCK_WAIT; false, with nothing changed, when the POS holds it longer. */
async function lockedBriefly(client: pg.ClientBase, table: string): Promise<boolean> {
  await client.query('SAVEPOINT async_client_swap');
  await client.query(`SET LOCAL lock_timeout = '${SWAP_LOCK_WAIT}'`);
  try {
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  } catch (error) {
    if ((error as { code?: unknown }).code !== '55P03') throw error;
    // Undoes the SET LOCAL too.
    await client.query('ROLLBACK TO SAVEPOINT async_client_swap');
    await client.query('RELEASE SAVEPOINT async_client_swap');
    return false;
  }
  await client.query('RELEASE SAVEPOINT async_client_swap');
  await client.query('SET LOCAL lock_timeout TO DEFAULT');
  return true;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
