import type { ChannelDatabase } from '../../channel/channel-database.js';
import { openChannelDatabase } from '../../channel/open.js';
import { errorCode, errorMessage } from '../../errors.js';
import type { Profile } from '../../profile/profile.js';
import { loadProfileOption } from '../args.js';
import { ExitCode, type CliIo } from '../command.js';

/**
 * Opens the channel database the profile names, for the session journal only: the working
 * folder is not needed (and may be the very thing that is broken). `read` opens it read-only,
 * which never takes a write lock from the daemon or the POS; `write` also brings the journal
 * to this build's schema. Runs `work`, closes, and turns a failure into exit code 1.
 */
export async function withJournal(
  io: CliIo,
  profileOption: string | undefined,
  mode: 'read' | 'write',
  work: (db: ChannelDatabase, profile: Profile) => Promise<number>,
): Promise<number> {
  const profile = await loadProfileOption(profileOption, io);
  if (typeof profile === 'number') return profile;
  let db: ChannelDatabase;
  try {
    db = await openChannelDatabase(profile.channel, { readonly: mode === 'read' });
    if (mode === 'write') await db.migrate();
  } catch (error) {
    io.stderr.write(`${errorMessage(error)}\n`);
    return ExitCode.failure;
  }
  try {
    return await work(db, profile);
  } catch (error) {
    io.stderr.write(`${errorMessage(error)} (${errorCode(error)})\n`);
    return ExitCode.failure;
  } finally {
    await db.close();
  }
}

/** A session id as the operator typed it, or undefined. */
export function parseSessionId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return undefined;
  return Number(text);
}
