import { spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { CLI_PATH } from '../support/daemon-process.js';
import { useTempStore } from '../support/store-fixture.js';

interface Output {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built CLI with stdout and stderr on pipes, as under a log shipper. */
function onPipes(args: readonly string[], env: NodeJS.ProcessEnv = {}): Output {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The built CLI on a pseudo-terminal (util-linux `script`), as an operator at a console runs it; both streams come back mixed. */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv = {}): Output {
  const command = [process.execPath, CLI_PATH, ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, TERM: 'dumb', ...env },
  });
  return { code: result.status, stdout: result.stdout.replaceAll('\r\n', '\n'), stderr: result.stderr };
}

const PRETTY_FINISHED = /^\[\d\d:\d\d:\d\d\] INFO: cycle\.finished \{.*"outcome":"idle"/m;
const JSON_FINISHED = /^\{"level":"info",.*"event":"cycle\.finished"\}$/m;

describe('log format: JSON for machines, one readable line per event for people', () => {
  const fixture = useTempStore();

  it('on pipes: events as JSON lines on stderr with level names, the summary alone on stdout', async () => {
    await fixture.store.writeProfile();
    const run = onPipes(['download', '--once', '--profile', fixture.store.profilePath]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('download: no download package to apply\n');
    const events = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: unknown; event: string });
    expect(events.map((line) => line.event)).toContain('cycle.finished');
    expect(events.every((line) => typeof line.level === 'string')).toBe(true);
  });

  it('on a terminal: readable lines, colored by level, no JSON', async () => {
    await fixture.store.writeProfile();
    const run = onTerminal(['download', '--once', '--profile', fixture.store.profilePath]);
    expect(run.code).toBe(0);
    const plain = stripVTControlCharacters(run.stdout);
    expect(plain).toMatch(PRETTY_FINISHED);
    expect(plain).toContain('download: no download package to apply\n');
    expect(plain).not.toContain('{"level"');
    expect(plain).not.toBe(run.stdout);
  });

  it('--log-format chooses against the terminal: json on a terminal, pretty on a pipe', async () => {
    await fixture.store.writeProfile();
    const profile = ['--profile', fixture.store.profilePath];
    expect(onTerminal(['download', '--once', '--log-format', 'json', ...profile]).stdout).toMatch(JSON_FINISHED);
    const pretty = onPipes(['download', '--once', '--log-format', 'pretty', ...profile]);
    expect(pretty.stderr).toMatch(PRETTY_FINISHED);
    expect(stripVTControlCharacters(pretty.stderr)).toBe(pretty.stderr);
  });

  it('under systemd (INVOCATION_ID) stays JSON, even on a terminal', async () => {
    await fixture.store.writeProfile();
    const run = onTerminal(['download', '--once', '--profile', fixture.store.profilePath], { INVOCATION_ID: 'abc' });
    expect(run.stdout).toMatch(JSON_FINISHED);
  });

  it('an unknown --log-format is a usage error', () => {
    const run = onPipes(['run', '--log-format', 'xml', '--profile', 'unused.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--log-format must be json or pretty, got "xml"');
  });
});
