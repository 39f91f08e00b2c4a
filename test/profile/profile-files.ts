import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A minimal valid profile; tests edit one line of it so that positions stay known. */
export const MINIMAL_PROFILE = `profile:
  name: Store 0042
  downloadIntervalMinutes: 15
  uploadIntervalMinutes: 15
channel:
  id: store-0042
workingFolder:
  adapter: local
  path: exchange
`;

/** A temp folder per test, removed afterwards. */
export class ProfileFolder {
  private constructor(readonly root: string) {}

  static async create(): Promise<ProfileFolder> {
    return new ProfileFolder(await mkdtemp(path.join(os.tmpdir(), 'async-client-profile-')));
  }

  async write(name: string, text: string): Promise<string> {
    const file = path.join(this.root, name);
    await writeFile(file, text);
    return file;
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
