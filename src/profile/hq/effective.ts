/**
 * The profile a store runs, read without the working folder: its own file with the HQ
 * profile it last adopted (kept in the state directory) laid over it. The daemon starts on
 * it; the one-shot commands and `validate --effective` read the same.
 */
import { readPublicKey } from '../../download/public-key.js';
import { errorCode } from '../../errors.js';
import { composeProfile, type ComposedProfile, type HqProfileLayer, type LocalProfileLayer } from '../compose.js';
import { readLocalProfile, type LoadProfileOptions } from '../load.js';
import { problemLines } from '../profile-error.js';
import { readHqState, type AdoptedHqProfile, type HqProfileState } from './hq-state.js';
import { publishedProfileFile } from './published-files.js';
import { parsePublishedProfile } from './published-profile.js';
import { checkPublishedSignature } from './signature.js';

export interface EffectiveProfile extends ComposedProfile {
  readonly local: LocalProfileLayer;
  /** The state file; undefined when this store never reached HQ's folder. */
  readonly hqState: HqProfileState | undefined;
  /** The adopted HQ profile laid over the store's file, if any. */
  readonly hqLayer: HqProfileLayer | undefined;
  /** Why the adopted HQ profile is not laid over the store's file (a new key, a broken state file); the file runs alone. */
  readonly hqProblem: { readonly code: string; readonly problems: readonly string[] } | undefined;
}

/** Throws a ProfileError for a bad local file; a problem with the kept HQ profile is reported in `hqProblem` instead. */
export async function loadEffectiveProfile(file: string, options: LoadProfileOptions = {}): Promise<EffectiveProfile> {
  const local = await readLocalProfile(file, options);
  const alone = composeProfile(local);
  let hqState: HqProfileState | undefined;
  try {
    hqState = await readHqState(alone.profile.stateDirectory);
    const adopted = hqState?.adopted;
    if (adopted === undefined || adopted === null) return { ...alone, local, hqState, hqLayer: undefined, hqProblem: undefined };
    const layer = adoptedLayer(adopted, await readPublicKey(alone.profile.download.publicKey));
    return { ...composeProfile(local, layer), local, hqState, hqLayer: layer, hqProblem: undefined };
  } catch (error) {
    const problems = problemLines(error);
    return { ...alone, local, hqState, hqLayer: undefined, hqProblem: { code: errorCode(error), problems } };
  }
}

/** The adopted profile as a layer, checked again against the key the store pins now. */
function adoptedLayer(adopted: AdoptedHqProfile, publicKeyPem: string | undefined): HqProfileLayer {
  const file = publishedProfileFile(adopted.name);
  checkPublishedSignature(file, Buffer.from(adopted.text, 'utf8'), adopted.signature ?? undefined, publicKeyPem);
  return parsePublishedProfile(adopted.name, file, adopted.text);
}
