import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateSigningKeyPair } from '../../package/index.js';
import { parseCommandArgs } from '../args.js';
import { ExitCode, type CliCommand } from '../command.js';
import { writeFileAtomically } from '../../local-files/atomic-file.js';
import { requireOption, UsageError } from './usage.js';

export const keygenCommand: CliCommand = {
  name: 'package keygen',
  summary: 'make an Ed25519 key pair for signing packages',
  help: `Usage: async-client package keygen --out-dir DIR [--name NAME] [--force]

Writes an Ed25519 key pair as PEM files: DIR/NAME.private.pem (PKCS#8, mode 0600: keep it at
HQ, sign with it: package pack --sign-key) and DIR/NAME.public.pem (SPKI: pin it in each
store's profile). NAME defaults to "package-signing".

Options:
  --out-dir DIR   folder for the two files (created if missing)
  --name NAME     file name stem (default package-signing)
  --force         replace existing key files
  -h, --help      this text

Exit codes: 0 written, 1 failed, 2 usage error.
`,
  async run(args, io) {
    const parsed = parseCommandArgs(keygenCommand, args, io, {
      'out-dir': { type: 'string' },
      name: { type: 'string', default: 'package-signing' },
      force: { type: 'boolean', default: false },
    });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const name = values.name as string;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new UsageError(`--name ${name} is not a plain file name`);
    const dir = resolve(io.cwd, requireOption(values['out-dir'], '--out-dir'));
    const privatePath = resolve(dir, `${name}.private.pem`);
    const publicPath = resolve(dir, `${name}.public.pem`);
    if (values.force !== true) {
      for (const path of [privatePath, publicPath]) {
        if (
          await stat(path).then(
            () => true,
            () => false,
          )
        ) {
          throw new UsageError(`${path} exists; pass --force to replace it`);
        }
      }
    }
    await mkdir(dir, { recursive: true });
    const keys = generateSigningKeyPair();
    await writeFileAtomically(privatePath, keys.privateKeyPem, 0o600);
    await writeFileAtomically(publicPath, keys.publicKeyPem, 0o644);
    io.stdout.write(
      `private key: ${privatePath} (keep secret; sign with --sign-key)\npublic key:  ${publicPath} (pin in store profiles)\n`,
    );
    return ExitCode.ok;
  },
};
