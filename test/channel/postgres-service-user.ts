import type { ChannelDatabase } from '../../src/channel/channel-database.js';
import { openPostgresChannelDatabase } from '../../src/channel/postgres-channel-database.js';
import type { ChannelDatabaseSubject } from './subject.js';

/**
 * A least-privilege service user on a PostgreSQL subject's database, as README "Use PostgreSQL"
 * grants it, less what a test leaves out: `role` may use the store's schema and the journal the
 * superuser made (its tables and sequences), and holds `grants` (e.g. `SELECT ON sale`). Returns
 * the adapter opened as that user; the caller closes it.
 */
export async function openAsServiceUser(
  subject: ChannelDatabaseSubject,
  channelId: string,
  role: string,
  grants: readonly string[],
): Promise<ChannelDatabase> {
  const password = `${role}-pass`;
  await subject.pos(
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN PASSWORD '${password}'; END IF; END $$`,
  );
  await subject.pos(`GRANT USAGE ON SCHEMA public, async_client TO ${role}`);
  await subject.pos(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA async_client TO ${role}`);
  await subject.pos(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA async_client TO ${role}`);
  for (const grant of grants) await subject.pos(`GRANT ${grant} TO ${role}`);
  const { setting } = subject;
  if (typeof setting === 'string') throw new Error('openAsServiceUser: the subject is not on PostgreSQL');
  return openPostgresChannelDatabase({ ...setting, user: role, password }, { channelId });
}
