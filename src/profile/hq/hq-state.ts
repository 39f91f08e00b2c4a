/**
 * What a store keeps of HQ's profile in its state directory (`hq-profile.json`): the last
 * profile it adopted, as published and signed, so that it starts on it when the working
 * folder cannot be reached; the last check's outcome, for `status` and /healthz; and the
 * highest revision of each of HQ's files it verified, so that an older copy put back is
 * refused after a restart too.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../../local-files/atomic-file.js';
import { AsyncClientError, errorCode, errorMessage } from '../../errors.js';

export const HQ_STATE_FILE = 'hq-profile.json';

/** The adopted profile, kept whole so that its signature can be checked again at every start. */
export interface AdoptedHqProfile {
  readonly name: string;
  /** The assignments entry (channel id or glob) that chose it. */
  readonly assignedBy: string;
  readonly text: string;
  readonly signature: string | null;
  /** The revision its signature verified with; 0 when no key was pinned to check it. Absent in state files written before it was kept. */
  readonly revision?: number;
  /** ISO 8601. */
  readonly adoptedAt: string;
}

/** The adopted profile as /healthz, `status` and the heartbeat show it: which text runs, without the text. */
export interface RunningHqProfile {
  readonly name: string;
  /** The assignments entry (channel id or glob) that chose it. */
  readonly assignedBy: string;
  /** ISO 8601. */
  readonly adoptedAt: string;
  /** As in AdoptedHqProfile: what `profile publish` printed when it signed the file; null when the store never recorded it. */
  readonly revision: number | null;
  /** Lowercase hex SHA-256 of the profile's text as published: tells two publications apart where no key checks revisions. */
  readonly sha256: string;
}

export function runningProfile({ name, assignedBy, adoptedAt, revision, text }: AdoptedHqProfile): RunningHqProfile {
  return { name, assignedBy, adoptedAt, revision: revision ?? null, sha256: profileDigest(text) };
}

/** RunningHqProfile.sha256 of a profile's text: what `profile publish` prints for an unsigned publication. */
export function profileDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Which publication of the profile runs, as an operator compares them: `revision N` where a
 * key checked it, else the start of its SHA-256. Heartbeats of 1.1 clients say neither: null.
 */
export function publicationOf(running: Partial<Pick<RunningHqProfile, 'revision' | 'sha256'>>): string | null {
  if (typeof running.revision === 'number' && running.revision > 0) return `revision ${running.revision}`;
  return typeof running.sha256 === 'string' ? digestShown(running.sha256) : null;
}

/** An unsigned publication as an operator compares them: the start of its SHA-256. */
export function digestShown(sha256: string): string {
  return `sha256 ${sha256.slice(0, 12)}`;
}

/** The outcome of the last look at what HQ publishes, and why the store runs what it runs. */
export interface HqCheckRecord {
  /** ISO 8601. */
  readonly at: string;
  readonly outcome: 'adopted' | 'unchanged' | 'unassigned' | 'refused' | 'failed';
  readonly code?: string;
  /** One line per problem, `file:line:col ...` where one is known. */
  readonly problems?: readonly string[];
}

/** Which HQ profile runs and what the last look at HQ's files found: for /healthz, `status` and the heartbeat. */
export interface HqProfileStatus {
  /** The HQ profile laid over the store's file, or null when the file runs alone. */
  readonly running: RunningHqProfile | null;
  readonly lastCheck: HqCheckRecord | null;
}

export interface HqProfileState {
  readonly version: 1;
  readonly adopted: AdoptedHqProfile | null;
  readonly lastCheck: HqCheckRecord | null;
  /** File (`profiles/assignments.yaml`, `profiles/<name>.yaml`) to the highest signed revision verified; absent before revisions. */
  readonly revisions?: Readonly<Record<string, number>>;
}

/** The state file, or undefined when this store never reached HQ's folder. A broken file throws E_HQ_STATE. */
export async function readHqState(stateDirectory: string): Promise<HqProfileState | undefined> {
  const file = path.join(stateDirectory, HQ_STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw stateError(file, errorMessage(error), error);
  }
  try {
    const state = JSON.parse(text) as HqProfileState;
    if (state.version !== 1) throw new Error(`version ${String(state.version)}, not 1`);
    return state;
  } catch (error) {
    throw stateError(file, errorMessage(error), error);
  }
}

export async function writeHqState(stateDirectory: string, state: HqProfileState): Promise<void> {
  await writeFileAtomically(path.join(stateDirectory, HQ_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

function stateError(file: string, reason: string, cause: unknown): AsyncClientError {
  return new AsyncClientError(
    'E_HQ_STATE',
    `${file} is not the HQ profile state this daemon writes (${reason}); delete it: the daemon fetches HQ's profile again`,
    { file },
    { cause },
  );
}
