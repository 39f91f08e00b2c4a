/**
 * What the daemon asks of its profile files, in plain data that crosses to a process of its own
 * (in-subprocess.ts): the daemon never loads yaml or TypeBox, which would stay in its memory for
 * its whole life; a short-lived process reads, checks and composes, then exits.
 */
import type { HqProfileState } from '../hq/hq-state.js';
import type { Profile } from '../profile.js';
import type { ProfileSecrets } from '../secrets.js';

/** The store's own file as last read and found valid: enough to compose it again without reading it. */
export interface LocalProfileText {
  /** As given, for error lines. */
  readonly file: string;
  readonly sourcePath: string;
  readonly text: string;
  readonly overrides: readonly string[];
  readonly secrets: ProfileSecrets;
}

/** A profile HQ published, as published, already checked on its own. */
export interface HqProfileText {
  /** The name HQ published it under: `profiles/<name>.yaml`. */
  readonly name: string;
  readonly file: string;
  readonly text: string;
}

/** The profile a daemon starts on (hq/effective.ts), in plain data. */
export interface RunningProfile {
  readonly profile: Profile;
  readonly local: LocalProfileText;
  readonly hqState: HqProfileState | undefined;
  readonly hqLayer: HqProfileText | undefined;
  readonly hqProblem: { readonly code: string; readonly problems: readonly string[] } | undefined;
}

/** Which profile `profiles/assignments.yaml` names for a channel. */
export type AssignmentOutcome =
  | { readonly kind: 'unassigned'; readonly reason: string }
  | { readonly kind: 'assigned'; readonly profile: string; readonly assignedBy: string; readonly outranked: readonly string[] };

/** Each throws a ProfileError (or another coded error) as the function it stands for does. */
export interface ProfileChecks {
  /** hq/effective.ts's loadEffectiveProfile. */
  running(file: string, cwd: string | undefined): Promise<RunningProfile>;
  /** The store's file read again, with `hq` laid over it. */
  reload(sourcePath: string, hq: HqProfileText | undefined): Promise<{ readonly profile: Profile; readonly local: LocalProfileText }>;
  compose(local: LocalProfileText, hq: HqProfileText | undefined): Promise<Profile>;
  /** `listed`: the files of `profiles/`; a profile assigned but not there throws. */
  assignment(file: string, text: string, channelId: string, listed: readonly string[]): Promise<AssignmentOutcome>;
  /** hq/published-profile.ts's check of a profile HQ published. */
  published(name: string, file: string, text: string): Promise<HqProfileText>;
}
