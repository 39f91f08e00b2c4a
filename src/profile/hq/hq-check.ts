/**
 * One look at what HQ publishes for this store: its entry in `profiles/assignments.yaml` and
 * the profile it names, signatures, revisions and schema checked. Cheap when nothing changed: one
 * listing of `profiles/`, compared with the last one by name and version (ETag where the
 * server gives one, else size and modified time).
 */
import { errorCode, errorMessage } from '../../errors.js';
import { versionOf, type FolderEntry, type WorkingFolder } from '../../workfolder/working-folder.js';
import type { HqProfileText, ProfileChecks } from '../checks/checks.js';
import { ProfileError, problemLines } from '../profile-error.js';
import { ASSIGNMENTS_FILE, PROFILES_FOLDER, publishedProfileFile, readPublishedFile } from './published-files.js';
import { checkPublishedSignature, signatureFileOf } from './signature.js';
import type { SignedRevisions } from './signed-revisions.js';

/** A profile HQ assigned this store, as read and checked. */
export interface PublishedProfile {
  readonly layer: HqProfileText;
  /** The assignments entry (channel id or glob) that chose it. */
  readonly assignedBy: string;
  /** Other entries that matched this store and lost (assignments.ts says by which rule). */
  readonly outranked: readonly string[];
  /** The bytes as published and their signature, kept so that a start without the folder can check them again. */
  readonly text: string;
  readonly signature: string | undefined;
  /** The revision the signature verified with; 0 when no key was pinned to check it. */
  readonly revision: number;
}

export type HqCheck =
  /** The same files as last time: nothing read. */
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'unassigned'; readonly reason: string }
  | { readonly kind: 'assigned'; readonly published: PublishedProfile }
  /** HQ's files are wrong: not signed, not by HQ's key, older than a revision already taken, not a valid profile. */
  | { readonly kind: 'refused'; readonly code: string; readonly problems: readonly string[] }
  /** The folder failed mid-way; the next check tries again. */
  | { readonly kind: 'failed'; readonly code: string; readonly problems: readonly string[] };

export class HqProfileCheck {
  private lastSeen: string | undefined;

  constructor(
    private readonly folder: WorkingFolder,
    private readonly channelId: string,
    /** Where the files read are parsed and checked: a process of its own (checks/in-subprocess.ts). */
    private readonly checks: Pick<ProfileChecks, 'assignment' | 'published'>,
    /** The highest revision verified of each file; an older one is refused. */
    private readonly revisions: SignedRevisions,
  ) {}

  /** Forget what was seen, so that the next check reads everything (a new key, a profile file edit). */
  forget(): void {
    this.lastSeen = undefined;
  }

  /** Never throws. `publicKeyPem`: the store's pinned key; without one, unsigned files are taken. */
  async run(publicKeyPem: string | undefined): Promise<HqCheck> {
    let entries: FolderEntry[];
    try {
      entries = await this.folder.list(PROFILES_FOLDER);
    } catch (error) {
      return { kind: 'failed', code: errorCode(error), problems: [errorMessage(error)] };
    }
    const seen = fingerprint(entries, publicKeyPem);
    if (seen === this.lastSeen) return { kind: 'unchanged' };
    let outcome: HqCheck;
    try {
      outcome = await this.read(new Set(entries.map((entry) => entry.path)), publicKeyPem);
    } catch (error) {
      const problems = problemLines(error);
      if (errorCode(error).startsWith('E_FOLDER_')) return { kind: 'failed', code: errorCode(error), problems };
      outcome = { kind: 'refused', code: error instanceof ProfileError ? 'E_HQ_PROFILE_INVALID' : errorCode(error), problems };
    }
    this.lastSeen = seen;
    return outcome;
  }

  private async read(listed: ReadonlySet<string>, publicKeyPem: string | undefined): Promise<HqCheck> {
    if (!listed.has(ASSIGNMENTS_FILE)) return { kind: 'unassigned', reason: `no ${ASSIGNMENTS_FILE} in the working folder` };
    const assignmentsFile = await this.readSigned(ASSIGNMENTS_FILE, listed, publicKeyPem);
    const assignment = await this.checks.assignment(ASSIGNMENTS_FILE, assignmentsFile.text, this.channelId, [...listed]);
    if (assignment.kind === 'unassigned') return assignment;
    const file = publishedProfileFile(assignment.profile);
    const { text, signature, revision } = await this.readSigned(file, listed, publicKeyPem);
    const layer = await this.checks.published(assignment.profile, file, text);
    const { assignedBy, outranked } = assignment;
    return { kind: 'assigned', published: { layer, assignedBy, outranked, text, signature, revision } };
  }

  private async readSigned(
    file: string,
    listed: ReadonlySet<string>,
    publicKeyPem: string | undefined,
  ): Promise<{ text: string; signature: string | undefined; revision: number }> {
    const bytes = await readPublishedFile(this.folder, file);
    const signatureFile = signatureFileOf(file);
    const signature = listed.has(signatureFile) ? (await readPublishedFile(this.folder, signatureFile)).toString('utf8') : undefined;
    const revision = checkPublishedSignature(file, bytes, signature, publicKeyPem);
    this.revisions.take(file, revision);
    return { text: bytes.toString('utf8'), signature, revision };
  }
}

/** What the listing and the key say, in one string: equal strings mean nothing to read again. */
function fingerprint(entries: readonly FolderEntry[], publicKeyPem: string | undefined): string {
  const files = entries.map((entry) => [entry.path, versionOf(entry)]);
  return JSON.stringify({ files, key: publicKeyPem ?? null });
}
