import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A store on disk for one test: a temp folder holding the profile, the state directory
 * (with the channel database) and a local working folder. `remove()` deletes it all.
 */
export class TempStore {
  readonly profilePath: string;
  readonly workingFolder: string;
  readonly stateDirectory: string;

  private constructor(readonly root: string) {
    this.profilePath = path.join(root, 'profile.yaml');
    this.workingFolder = path.join(root, 'exchange');
    this.stateDirectory = path.join(root, 'state');
  }

  static async create(): Promise<TempStore> {
    const store = new TempStore(await mkdtemp(path.join(os.tmpdir(), 'async-client-store-')));
    await mkdir(store.workingFolder);
    return store;
  }

  get databasePath(): string {
    return path.join(this.stateDirectory, 'channel.sqlite');
  }

  /** Writes the profile: a store on seconds-level schedules, /healthz on `healthPort` if given, `extra` YAML sections appended. */
  async writeProfile(options: { download?: string; upload?: string; healthPort?: number; extra?: string } = {}): Promise<string> {
    const { download = '*/1 * * * * *', upload = '0 0 0 1 1 *', healthPort, extra = '' } = options;
    const text = `profile:
  name: Test store
  downloadIntervalMinutes: 15
  uploadIntervalMinutes: 15
schedule:
  download: "${download}"
  upload: "${upload}"
channel:
  id: store-0042
workingFolder:
  adapter: local
  path: exchange
stateDirectory: state
daemon:
  startJitterSeconds: 0
  shutdownGraceSeconds: 20
${healthPort === undefined ? '' : `  health:\n    port: ${healthPort}\n`}${extra}`;
    await writeFile(this.profilePath, text);
    return this.profilePath;
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
