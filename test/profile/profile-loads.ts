import { loadProfile } from '../../src/profile/load.js';
import { ProfileError, type ProfileIssue } from '../../src/profile/profile-error.js';
import { ProfileFolder } from './profile-files.js';

/** A fresh folder for each test's profile files, removed after it, and what loadProfile refuses in it. */
export function useProfileLoads() {
  let folder: ProfileFolder;
  beforeEach(async () => {
    folder = await ProfileFolder.create();
  });
  afterEach(async () => {
    await folder.remove();
  });
  return {
    get folder(): ProfileFolder {
      return folder;
    },
    /** The ProfileError of `profile.yaml` written with `text`. */
    async loadError(text: string): Promise<ProfileError> {
      return rejection(await folder.write('profile.yaml', text));
    },
  };
}

export async function rejection(file: string): Promise<ProfileError> {
  const error: unknown = await loadProfile(file).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ProfileError)) throw new Error(`expected a ProfileError, got ${String(error)}`);
  return error;
}

/** line:column field — what an operator reads first. */
export function located(issues: readonly ProfileIssue[]): string[] {
  return issues.map((issue) => `${issue.line}:${issue.column} ${issue.field}`);
}
