import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKeyPair } from '../../src/package/index.js';
import { signPublishedFile } from '../../src/profile/hq/signature.js';
import type { CliResult } from '../cli/package-cli.js';
import { CLI_PATH } from './daemon-process.js';

/** A published profile's text: the Async Server profile, a download pattern, and `extra` sections. */
export function publishedProfileText(options: { name?: string; download?: string; extra?: string } = {}): string {
  const { name = 'Pilot stores', download = '*/2 * * * * *', extra = '' } = options;
  return `profile:\n  name: ${name}\n  downloadIntervalMinutes: 5\n  uploadIntervalMinutes: 10\nschedule:\n  download: "${download}"\n  upload: "0 0 0 1 1 *"\n${extra}`;
}

/**
 * HQ's desk for a test: an Ed25519 key pair in `root/keys` (the public half is what a store
 * pins), and the built CLI's `profile publish` and `profile assign` against one working
 * folder (a path, or a WebDAV URL with the password in `env`).
 */
export class HqDesk {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;

  private constructor(
    private readonly root: string,
    private readonly folder: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.privateKeyPath = path.join(root, 'keys', 'hq.private.pem');
    this.publicKeyPath = path.join(root, 'keys', 'hq.public.pem');
  }

  static async create(root: string, folder: string, env: NodeJS.ProcessEnv = {}): Promise<HqDesk> {
    const desk = new HqDesk(root, folder, env);
    const keys = generateSigningKeyPair();
    await mkdir(path.dirname(desk.privateKeyPath), { recursive: true });
    await writeFile(desk.privateKeyPath, keys.privateKeyPem, { mode: 0o600 });
    await writeFile(desk.publicKeyPath, keys.publicKeyPem);
    return desk;
  }

  /** The store profile lines that pin this desk's key. */
  get pinnedKey(): string {
    return `download:\n  publicKey: ${this.publicKeyPath}\n`;
  }

  async publish(name: string, text: string, signing: readonly string[] = ['--sign-key', this.privateKeyPath]): Promise<CliResult> {
    // The draft stays in root whatever the name: a test of a hostile name ('../up') must not write outside it.
    const file = path.join(this.root, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.draft.yaml`);
    await writeFile(file, text);
    return this.cli(['profile', 'publish', file, '--name', name, ...signing]);
  }

  assign(pattern: string, name: string, signing: readonly string[] = ['--sign-key', this.privateKeyPath]): CliResult {
    return this.cli(['profile', 'assign', pattern, name, ...signing]);
  }

  /** Publishes `name` and assigns `pattern` to it; throws with the CLI's stderr when either fails. */
  async publishAndAssign(name: string, text: string, pattern = 'store-*'): Promise<void> {
    for (const result of [await this.publish(name, text), this.assign(pattern, name)]) {
      if (result.code !== 0) throw new Error(`profile tool failed (${result.code}): ${result.stderr}`);
    }
  }

  /**
   * Puts `text` at `file` (e.g. `profiles/pilot.yaml`) in a local working folder with HQ's
   * signature, past the publish tool's checks, as a careless script would: the signature
   * first, so that a store never sees the new file with an older signature. Signed with
   * `revision`, the time by default, as the publish tool does.
   */
  async placeSigned(file: string, text: string, revision = Date.now()): Promise<void> {
    const target = path.join(this.folder, file);
    await writeFile(`${target}.sig`, signPublishedFile(file, Buffer.from(text), await readFile(this.privateKeyPath, 'utf8'), revision));
    await writeFile(target, text);
  }

  /** Runs the built CLI with `--working-folder` this desk's folder. */
  cli(args: readonly string[]): CliResult {
    const result = spawnSync(process.execPath, [CLI_PATH, ...args, '--working-folder', this.folder], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...this.env },
      timeout: 30000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }
}
