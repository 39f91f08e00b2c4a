import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, type CliIo } from '../../src/cli/command.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { MINIMAL_PROFILE, ProfileFolder } from '../profile/profile-files.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function validate(args: readonly string[], cwd = repositoryRoot): Promise<Run> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const io: CliIo = { stdout, stderr, env: {}, cwd };
  const exitCode = await validateCommand.run(args, io);
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}

let folder: ProfileFolder;
beforeEach(async () => {
  folder = await ProfileFolder.create();
});
afterEach(async () => {
  await folder.remove();
});

describe('async-client validate', () => {
  test('a valid profile: one summary line on stdout, exit 0', async () => {
    expect(await validate(['config/profile.example.yaml'])).toEqual({
      exitCode: ExitCode.ok,
      stdout: 'config/profile.example.yaml: profile "Example store", channel store-0001, download every minute, upload every minute\n',
      stderr: '',
    });
  });

  test('schedule overrides are summarized in words; PATH is relative to the working folder given', async () => {
    await folder.write('store.yaml', `${MINIMAL_PROFILE}schedule:\n  upload: "*/5 * * * * *"\n  timezone: Europe/Paris\n`);
    const run = await validate(['store.yaml'], folder.root);
    expect(run.stdout).toBe(
      'store.yaml: profile "Store 0042", channel store-0042, download every 15 minutes, upload on "*/5 * * * * *" (Europe/Paris)\n',
    );
    expect(run.exitCode).toBe(ExitCode.ok);
  });

  test('an invalid profile: one line per problem on stderr, exit 1', async () => {
    await folder.write(
      'store.yaml',
      MINIMAL_PROFILE.replace('downloadIntervalMinutes: 15', 'downloadIntervalMinutes: 0').replace(
        'id: store-0042',
        'id: store-0042\n  colour: blue',
      ),
    );
    expect(await validate(['store.yaml'], folder.root)).toEqual({
      exitCode: ExitCode.failure,
      stdout: '',
      stderr:
        'store.yaml:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 0\n' +
        'store.yaml:7:3 channel.colour: expected one of the fields id, database, found an unknown field "colour"\n',
    });
  });

  test('--profile PATH is the same as PATH alone, as every other command takes the profile', async () => {
    const positional = await validate(['config/profile.example.yaml']);
    expect(await validate(['--profile', 'config/profile.example.yaml'])).toEqual(positional);
    expect(await validate(['-p', 'config/profile.example.yaml'])).toEqual(positional);
  });

  test('--json: a valid profile as one object on stdout', async () => {
    const run = await validate(['config/profile.example.yaml', '--json']);
    expect(run.exitCode).toBe(ExitCode.ok);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      valid: true,
      file: 'config/profile.example.yaml',
      profile: 'Example store',
      channel: 'store-0001',
      schedules: { download: 'every minute', upload: 'every minute' },
    });
  });

  test('--json: an invalid profile as one object on stdout, each issue with its position, exit 1', async () => {
    await folder.write('store.yaml', MINIMAL_PROFILE.replace('downloadIntervalMinutes: 15', 'downloadIntervalMinutes: 0'));
    const run = await validate(['--profile', 'store.yaml', '--json'], folder.root);
    expect(run.exitCode).toBe(ExitCode.failure);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      valid: false,
      file: 'store.yaml',
      code: 'E_PROFILE_INVALID',
      message: 'store.yaml:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 0',
      issues: [
        {
          file: 'store.yaml',
          line: 3,
          column: 28,
          field: 'profile.downloadIntervalMinutes',
          expected: 'a whole number of minutes from 1 to 1440',
          found: '0',
        },
      ],
    });
    const missing = JSON.parse((await validate(['nowhere.yaml', '--json'], folder.root)).stdout) as Record<string, unknown>;
    expect(missing).toMatchObject({ valid: false, code: 'E_PROFILE_NOT_FOUND', issues: [] });
  });

  test.each([
    [
      'one space too many',
      '   downloadIntervalMinutes: 15',
      'store.yaml:3:4 expected this line indented like the keys around it (at column 3), found it at column 4',
    ],
    [
      'one space too few',
      ' downloadIntervalMinutes: 15',
      'store.yaml:3:2 expected this line indented like the keys around it (at column 3), found it at column 2',
    ],
    [
      'a first key too deep',
      '   name: Store 0042',
      'store.yaml:2:4 expected this line indented like the keys around it (at column 3), found it at column 4',
    ],
  ])('a mis-indented key (%s) is reported once, at the line that is wrong', async (_case, line, message) => {
    const key = line.trim().split(':')[0] as string;
    const lines = MINIMAL_PROFILE.split('\n').map((l) => (l.trim().startsWith(`${key}:`) ? line : l));
    await folder.write('store.yaml', lines.join('\n'));
    expect(await validate(['store.yaml'], folder.root)).toEqual({ exitCode: ExitCode.failure, stdout: '', stderr: `${message}\n` });
  });

  test('a mis-indented key among comments: the example profile with line 13 one space deeper', async () => {
    const lines = (await readFile(path.join(repositoryRoot, 'config/profile.example.yaml'), 'utf8')).split('\n');
    expect(lines[12]).toBe('  name: Example store');
    await folder.write('store.yaml', lines.with(12, `   ${lines[12]?.trimStart()}`).join('\n'));
    const run = await validate(['store.yaml'], folder.root);
    expect(run.stderr).toBe('store.yaml:13:4 expected this line indented like the keys around it (at column 3), found it at column 4\n');
  });

  test('a missing file or a folder: exit 1 with what to do', async () => {
    const missing = await validate(['nowhere.yaml'], folder.root);
    expect(missing.exitCode).toBe(ExitCode.failure);
    expect(missing.stderr).toBe(
      'nowhere.yaml: no such profile file; pass the path of an existing profile (--profile PATH or ASYNC_CLIENT_PROFILE)\n',
    );
    const directory = await validate(['.'], folder.root);
    expect(directory.exitCode).toBe(ExitCode.failure);
    expect(directory.stderr).toContain('is a folder');
  });

  test.each([
    [[], 'missing PATH of the profile file'],
    [['a.yaml', 'b.yaml'], 'expected one PATH, got 2'],
    [['--profile', 'a.yaml', 'b.yaml'], 'expected one PATH, got 2'],
    [['--strict', 'a.yaml'], "Unknown option '--strict'"],
  ])('usage error %j: exit 2 and the usage line', async (args, problem) => {
    const run = await validate(args);
    expect(run.exitCode).toBe(ExitCode.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(problem);
    expect(run.stderr).toContain('Usage: async-client validate [--profile] PATH [--json]');
  });

  test('--help prints the help on stdout, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await validate([flag]);
      expect(run).toEqual({ exitCode: ExitCode.ok, stdout: validateCommand.help, stderr: '' });
    }
    expect(validateCommand.help).toMatch(/^Usage: async-client validate \[--profile\] PATH \[--json\]\n[\s\S]*Exit codes:/);
  });
});
