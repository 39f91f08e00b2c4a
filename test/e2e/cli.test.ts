import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI_PATH } from '../support/daemon-process.js';

const COMMANDS = ['run', 'validate', 'doctor', 'status', 'download', 'upload', 'sessions', 'package'];
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function cli(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 30000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the async-client command line', () => {
  it('lists every command in its overview', () => {
    const result = cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it.each(COMMANDS)('%s takes --help (usage and exit codes, exit 0) and --version', (command) => {
    const help = cli([command, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^Usage: async-client ${command}`));
    expect(help.stdout).toMatch(/exit code/i);
    const shown = cli([command, '--version']);
    expect(shown).toEqual({ code: 0, stdout: `async-client ${version}\n`, stderr: '' });
  });

  it('refuses an unknown command with exit 2 and the overview', () => {
    const result = cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('Commands:');
  });

  it('answers no command at all with the overview and exit 2', () => {
    const result = cli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage: async-client <command>');
  });
});
