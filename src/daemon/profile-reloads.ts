import { errorCode } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import type { DaemonMetrics } from '../observe/metrics.js';
import type { LocalProfileText, ProfileChecks, RunningProfile } from '../profile/checks/checks.js';
import { describeProfileChange } from '../profile/diff.js';
import { problemLines } from '../profile/profile-error.js';
import type { Profile } from '../profile/profile.js';
import type { DaemonState } from './daemon.js';
import type { HqProfileFollower } from './hq-profile-follower.js';
import { restartOnlyChanges, withRestartOnlyFieldsOf } from './live-profile.js';
import type { SystemdNotifier } from './systemd-notify.js';

export interface ProfileReloadsOptions {
  readonly effective: RunningProfile;
  /** Where the profile files are read and checked: a process of its own (profile/checks/in-subprocess.ts). */
  readonly checks: Pick<ProfileChecks, 'reload' | 'compose'>;
  readonly hq: HqProfileFollower;
  readonly log: Logger;
  readonly metrics: DaemonMetrics;
  readonly notifier: SystemdNotifier;
  readonly state: () => DaemonState;
  /** Moves what runs on the profile (the cycles' times, the pick-up) to a changed one; called only while the daemon is ready. */
  readonly adopt: (profile: Profile, rescheduled: boolean) => Promise<void>;
  readonly describeSchedules: () => Record<string, { schedule: string; nextRun: Date | null }>;
}

/**
 * The profile a daemon runs, and its changes, one at a time: the store's file re-read
 * (`reload`), the profile HQ publishes looked at (`followHq`). A valid change is applied
 * without interrupting a cycle; an invalid one is logged and the last good profile keeps running.
 */
export class ProfileReloads {
  private reloading: Promise<void> = Promise.resolve();
  private running: Profile;
  /** The store's own file, as last read valid: HQ's profile is laid over it. */
  private local: LocalProfileText;

  constructor(private readonly options: ProfileReloadsOptions) {
    this.running = options.effective.profile;
    this.local = options.effective.local;
  }

  get profile(): Profile {
    return this.running;
  }

  /** Re-reads the profile file; reloads are serialized. */
  reload(trigger: 'file' | 'signal'): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadNow(trigger));
    return this.reloading;
  }

  /** Looks at the profile HQ publishes for this store and adopts a new one; serialized with reloads, never throws. */
  followHq(): Promise<void> {
    this.reloading = this.reloading.then(() => this.followHqNow());
    return this.reloading;
  }

  /** Resolves once the reload or look at HQ under way, if any, is over. */
  settled(): Promise<void> {
    return this.reloading;
  }

  private async reloadNow(trigger: 'file' | 'signal'): Promise<void> {
    if (this.options.state() !== 'ready') return;
    let local: LocalProfileText;
    let next: Profile;
    try {
      ({ local, profile: next } = await this.options.checks.reload(this.running.sourcePath, this.options.hq.current));
    } catch (error) {
      this.options.metrics.profileReloads.inc({ result: 'invalid' });
      this.options.log.error({ trigger, code: errorCode(error), problems: problemLines(error) }, 'profile.invalid');
      return;
    }
    this.local = local;
    this.options.hq.forget();
    await this.apply(next, { trigger });
  }

  private async followHqNow(): Promise<void> {
    const { hq, state } = this.options;
    if (state() === 'stopping' || state() === 'stopped') return;
    const change = await hq.poll(this.running.download.publicKey);
    if (change === undefined) return;
    let next: Profile;
    try {
      next = await this.options.checks.compose(this.local, change.layer);
    } catch (error) {
      await hq.reject(change, error);
      return;
    }
    await hq.accept(change);
    await this.apply(next, { trigger: 'hq', hqProfile: change.layer?.name ?? null });
  }

  /** Runs `candidate` from now on, as a local edit is run: restart-only fields kept, changed cycles rescheduled, one log line. */
  private async apply(candidate: Profile, fields: Record<string, unknown>): Promise<void> {
    const { log, metrics, notifier } = this.options;
    const restartOnly = restartOnlyChanges(this.running, candidate);
    if (restartOnly.length > 0) log.warn({ fields: restartOnly }, 'profile.restart_required');
    const effective = withRestartOnlyFieldsOf(this.running, candidate);
    const change = describeProfileChange(this.running, effective);
    if (change.fields.length === 0) {
      metrics.profileReloads.inc({ result: 'unchanged' });
      log.info(fields, 'profile.unchanged');
      return;
    }
    const running = this.options.state() === 'ready';
    if (running) await notifier.reloading();
    this.running = effective;
    log.level = effective.log.level;
    if (running) await this.options.adopt(effective, change.rescheduled.length > 0);
    metrics.profileReloads.inc({ result: 'applied' });
    log.info(
      { ...fields, changes: change.fields, rescheduled: change.rescheduled, schedules: this.options.describeSchedules() },
      'profile.reloaded',
    );
    if (running) await notifier.ready();
  }
}
