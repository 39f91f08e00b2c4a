/**
 * The profile checks run in the process that asks (the CLI's commands and tests, and the process
 * the daemon starts for each check: subprocess.ts). Loads yaml and TypeBox.
 */
import { composeProfile, type HqProfileLayer, type LocalProfileLayer } from '../compose.js';
import { Assignments, type AssignmentMatch } from '../hq/assignments.js';
import { loadEffectiveProfile } from '../hq/effective.js';
import { publishedProfileFile } from '../hq/published-files.js';
import { parsePublishedProfile } from '../hq/published-profile.js';
import { readLocalProfile } from '../load.js';
import { ProfileError } from '../profile-error.js';
import { ProfileSource } from '../yaml-source.js';
import type { HqProfileText, LocalProfileText, ProfileChecks } from './checks.js';

export const inProcessProfileChecks: ProfileChecks = {
  async running(file, cwd) {
    const { profile, local, hqState, hqLayer, hqProblem } = await loadEffectiveProfile(file, { cwd });
    return { profile, local: localText(local), hqState, hqLayer: hqLayer === undefined ? undefined : hqText(hqLayer), hqProblem };
  },
  async reload(sourcePath, hq) {
    const local = await readLocalProfile(sourcePath);
    return { profile: composeProfile(local, hqLayerOf(hq)).profile, local: localText(local) };
  },
  async compose(local, hq) {
    const source = ProfileSource.parse(local.file, local.text);
    // It was read and found valid as this text, so it is a map.
    const layer: LocalProfileLayer = { ...local, source, written: source.value as Readonly<Record<string, unknown>> };
    return composeProfile(layer, hqLayerOf(hq)).profile;
  },
  async assignment(file, text, channelId, listed) {
    const assignments = Assignments.parse(file, text);
    const match = assignments.match(channelId);
    if (match === undefined) return { kind: 'unassigned', reason: `no entry of ${file} matches channel ${channelId}` };
    const profileFile = publishedProfileFile(match.assignment.profile);
    if (!listed.includes(profileFile)) throw missingProfile(assignments, match, profileFile);
    return { kind: 'assigned', profile: match.assignment.profile, assignedBy: match.assignment.pattern, outranked: match.outranked };
  },
  async published(name, file, text) {
    return hqText(parsePublishedProfile(name, file, text));
  },
};

function localText({ source, sourcePath, text, overrides, secrets }: LocalProfileLayer): LocalProfileText {
  return { file: source.file, sourcePath, text, overrides, secrets };
}

function hqText({ name, source, text }: HqProfileLayer): HqProfileText {
  return { name, file: source.file, text };
}

function hqLayerOf(hq: HqProfileText | undefined): HqProfileLayer | undefined {
  return hq === undefined ? undefined : parsePublishedProfile(hq.name, hq.file, hq.text);
}

function missingProfile(assignments: Assignments, match: AssignmentMatch, file: string): ProfileError {
  const issue = assignments.issue(
    match.assignment,
    `a profile published as ${file}`,
    `${JSON.stringify(match.assignment.profile)}, which is not there; publish it or assign another`,
  );
  return ProfileError.fromIssues('E_PROFILE_INVALID', assignments.file, [issue]);
}
