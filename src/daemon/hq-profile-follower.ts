import { readPublicKey } from '../download/public-key.js';
import { errorCode } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { HqProfileText, ProfileChecks } from '../profile/checks/checks.js';
import { HqProfileCheck, type PublishedProfile } from '../profile/hq/hq-check.js';
import {
  runningProfile,
  writeHqState,
  type AdoptedHqProfile,
  type HqCheckRecord,
  type HqProfileState,
  type HqProfileStatus,
} from '../profile/hq/hq-state.js';
import { SignedRevisions } from '../profile/hq/signed-revisions.js';
import { problemLines } from '../profile/profile-error.js';
import type { Clock } from '../schedule/clock.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';

/** What a check asks the daemon to run: HQ's new profile, or the store's file alone (`layer` undefined). */
export interface HqProfileChange {
  readonly layer: HqProfileText | undefined;
  readonly published: PublishedProfile | undefined;
  /** Why the store runs its file alone, when it does. */
  readonly reason?: string;
}

export interface HqProfileFollowerDeps {
  readonly stateDirectory: string;
  readonly log: Logger;
  readonly clock: Clock;
}

/**
 * Follows the profile HQ publishes for this store. `poll` looks at HQ's files (cheaply when
 * nothing changed) and returns a change for the daemon to compose with the store's file;
 * the daemon then calls `accept` (it runs) or `reject` (it cannot run with the store's file).
 * A bad, unsigned or older profile, or a folder that fails mid-way, is logged and recorded, and
 * what runs stays. Every adoption, and the highest revision of each of HQ's files verified, is
 * kept in the state directory.
 */
export class HqProfileFollower {
  private check: HqProfileCheck | undefined;
  private adopted: AdoptedHqProfile | null;
  private lastCheck: HqCheckRecord | null;
  private readonly revisions: SignedRevisions;
  /** What the state file says, but for the time of the check: written again only when this changes. */
  private written = '';

  constructor(
    private readonly deps: HqProfileFollowerDeps,
    state: HqProfileState | undefined,
    private layer: HqProfileText | undefined,
    private readonly checks: Pick<ProfileChecks, 'assignment' | 'published'>,
  ) {
    this.adopted = layer === undefined ? null : (state?.adopted ?? null);
    this.lastCheck = state?.lastCheck ?? null;
    this.revisions = new SignedRevisions(state?.revisions);
    if (state !== undefined && this.lastCheck !== null) this.written = this.said(this.lastCheck);
  }

  /** The HQ profile laid over the store's file, if any. */
  get current(): HqProfileText | undefined {
    return this.layer;
  }

  status(): HqProfileStatus {
    return { running: this.adopted === null ? null : runningProfile(this.adopted), lastCheck: this.lastCheck };
  }

  /** The next poll reads HQ's files even if they did not change: the store's own file did, and may now take a profile it refused. */
  forget(): void {
    this.check?.forget();
  }

  /** Starts looking at `folder` for `channelId`'s assignment. */
  attach(folder: WorkingFolder, channelId: string): void {
    this.check = new HqProfileCheck(folder, channelId, this.checks, this.revisions);
  }

  /** Never throws; undefined when what runs stays as it is. `publicKeyFile`: the store's download.publicKey. */
  async poll(publicKeyFile: string | undefined): Promise<HqProfileChange | undefined> {
    if (this.check === undefined) return undefined;
    const { log } = this.deps;
    const outcome = await readPublicKey(publicKeyFile).then(
      (publicKeyPem) => (this.check as HqProfileCheck).run(publicKeyPem),
      (error: unknown) => ({ kind: 'failed' as const, code: errorCode(error), problems: problemLines(error) }),
    );
    switch (outcome.kind) {
      case 'unchanged':
        return undefined;
      case 'failed':
        log.warn({ code: outcome.code, problems: outcome.problems, running: this.adopted?.name ?? null }, 'hq_profile.fetch_failed');
        await this.record({ outcome: 'failed', code: outcome.code, problems: outcome.problems });
        return undefined;
      case 'refused':
        log.error({ code: outcome.code, problems: outcome.problems, running: this.adopted?.name ?? null }, 'hq_profile.refused');
        await this.record({ outcome: 'refused', code: outcome.code, problems: outcome.problems });
        return undefined;
      case 'unassigned':
        if (this.adopted !== null) return { layer: undefined, published: undefined, reason: outcome.reason };
        await this.record({ outcome: 'unassigned', problems: [outcome.reason] });
        return undefined;
      case 'assigned': {
        const { published } = outcome;
        if (this.adopted !== null && sameProfile(this.adopted, published)) {
          await this.record({ outcome: 'unchanged' });
          return undefined;
        }
        return { layer: published.layer, published };
      }
    }
  }

  /** The daemon runs `change` now: remember it, here and in the state directory. */
  async accept(change: HqProfileChange): Promise<void> {
    const { log, clock } = this.deps;
    const { published } = change;
    this.layer = change.layer;
    if (published === undefined) {
      log.info({ previous: this.adopted?.name ?? null, reason: change.reason }, 'hq_profile.unassigned');
      this.adopted = null;
      await this.record({ outcome: 'unassigned', problems: change.reason === undefined ? [] : [change.reason] });
      return;
    }
    this.adopted = {
      name: published.layer.name,
      assignedBy: published.assignedBy,
      text: published.text,
      signature: published.signature ?? null,
      revision: published.revision,
      adoptedAt: clock.now().toISOString(),
    };
    log.info(
      {
        profile: published.layer.name,
        assignedBy: published.assignedBy,
        revision: published.revision,
        outranked: published.outranked,
        signed: published.signature !== undefined,
      },
      'hq_profile.adopted',
    );
    await this.record({ outcome: 'adopted' });
  }

  /** HQ's profile cannot run with the store's file: log it; what runs stays. */
  async reject(change: HqProfileChange, error: unknown): Promise<void> {
    const problems = problemLines(error);
    const code = errorCode(error);
    this.deps.log.error(
      { code, problems, profile: change.published?.layer.name ?? null, running: this.adopted?.name ?? null },
      'hq_profile.refused',
    );
    await this.record({ outcome: 'refused', code, problems });
  }

  /** Writes the state file when what it says changes; a failure to write is logged, never thrown. */
  private async record(check: Omit<HqCheckRecord, 'at'>): Promise<void> {
    this.lastCheck = { at: this.deps.clock.now().toISOString(), ...check };
    const next = this.said(this.lastCheck);
    if (next === this.written) return;
    this.written = next;
    const state: HqProfileState = { version: 1, adopted: this.adopted, lastCheck: this.lastCheck, revisions: this.revisions.toJSON() };
    try {
      await writeHqState(this.deps.stateDirectory, state);
    } catch (error) {
      this.deps.log.warn({ code: errorCode(error), problems: problemLines(error) }, 'hq_profile.state_write_failed');
    }
  }

  /** What the state file says, but for the time of the check; a look that finds the adopted profile unchanged says nothing new. */
  private said({ at: _time, ...check }: HqCheckRecord): string {
    const outcome = check.outcome === 'unchanged' ? { ...check, outcome: 'adopted' } : check;
    return JSON.stringify({ adopted: this.adopted, check: outcome, revisions: this.revisions.toJSON() });
  }
}

/** The same text signed again is adopted again: the fleet view shows each store's revision, and this one is HQ's newest. */
function sameProfile(adopted: AdoptedHqProfile, published: PublishedProfile): boolean {
  return (
    adopted.name === published.layer.name &&
    adopted.text === published.text &&
    adopted.assignedBy === published.assignedBy &&
    adopted.revision === published.revision
  );
}
