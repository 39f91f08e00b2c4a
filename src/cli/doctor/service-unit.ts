import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../../profile/profile.js';
import { DEFAULT_PROFILE_PATH } from '../args.js';
import { type CheckResult, fail, ok, warn } from './check-result.js';

/** Where systemd looks for the unit, in its order of precedence. */
export const UNIT_FILES = [
  '/etc/systemd/system/async-client.service',
  '/usr/lib/systemd/system/async-client.service',
  '/lib/systemd/system/async-client.service',
];

/** The settings of the unit that decide what the daemon may read and write. */
interface UnitSettings {
  readonly files: readonly string[];
  readonly execStart: string | undefined;
  readonly protectSystem: string | undefined;
  readonly readWritePaths: readonly string[];
  readonly stateDirectories: readonly string[];
}

async function readIfExists(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** The unit file and its drop-ins (`<unit>.d/*.conf`, and the ones `systemctl edit` writes under /etc). */
async function readUnit(unitFile: string): Promise<UnitSettings | undefined> {
  const main = await readIfExists(unitFile);
  if (main === undefined) return undefined;
  const dropInDirs = [...new Set([`${unitFile}.d`, '/etc/systemd/system/async-client.service.d'])];
  const dropIns = (
    await Promise.all(
      dropInDirs.map(async (dir) =>
        ((await readdir(dir).catch(() => [])) as string[]).filter((n) => n.endsWith('.conf')).map((n) => path.join(dir, n)),
      ),
    )
  )
    .flat()
    .sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
  const texts = [main, ...(await Promise.all(dropIns.map(async (file) => (await readIfExists(file)) ?? '')))];
  let execStart: string | undefined;
  let protectSystem: string | undefined;
  let readWritePaths: string[] = [];
  let stateDirectories: string[] = [];
  for (const line of texts.flatMap((text) => text.split('\n'))) {
    const match = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const [, key, value = ''] = match;
    const words = value.split(/\s+/).filter((word) => word !== '');
    // An empty assignment resets a list, as in systemd.
    if (key === 'ExecStart' && value !== '') execStart = value;
    else if (key === 'ProtectSystem') protectSystem = value;
    else if (key === 'ReadWritePaths')
      readWritePaths = value === '' ? [] : [...readWritePaths, ...words.map((w) => w.replace(/^[-+]+/, ''))];
    else if (key === 'StateDirectory') stateDirectories = value === '' ? [] : [...stateDirectories, ...words.map((w) => `/var/lib/${w}`)];
  }
  return { files: [unitFile, ...dropIns], execStart, protectSystem, readWritePaths, stateDirectories };
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** What the daemon writes: its state directory, a SQLite database's folder, a local working folder. */
function writtenPaths(profile: Profile): string[] {
  const { database } = profile.channel;
  return [
    profile.stateDirectory,
    ...(typeof database === 'string' ? [path.dirname(database)] : []),
    ...(profile.workingFolder.adapter === 'local' ? [profile.workingFolder.path] : []),
  ];
}

function profileOf(execStart: string): string {
  const words = execStart.split(/\s+/);
  const index = words.findIndex((word) => word === '--profile' || word === '-p');
  return (index >= 0 ? words[index + 1] : undefined) ?? DEFAULT_PROFILE_PATH;
}

/**
 * The installed service unit against this profile: it runs this profile, and its sandbox
 * (ProtectSystem=strict) lets it write every path the profile names. `unitFile` overrides
 * where the unit is looked for.
 */
export async function serviceUnitChecks(profile: Profile, unitFile: string | undefined): Promise<CheckResult[]> {
  let unit: UnitSettings | undefined;
  for (const candidate of unitFile === undefined ? UNIT_FILES : [unitFile]) {
    unit = await readUnit(candidate);
    if (unit !== undefined) break;
  }
  if (unit === undefined) {
    return [
      warn(
        'service-unit',
        `no async-client.service installed (looked at ${(unitFile === undefined ? UNIT_FILES : [unitFile]).join(', ')})`,
        'to run it as a service, follow docs/service.md',
      ),
    ];
  }
  const results: CheckResult[] = [];
  const where = unit.files.join(' + ');
  const runs = unit.execStart === undefined ? undefined : profileOf(unit.execStart);
  if (runs === undefined) results.push(fail('service-unit', `${where}: no ExecStart=`, 'reinstall systemd/async-client.service'));
  else if (path.resolve(runs) !== profile.sourcePath)
    results.push(
      warn(
        'service-unit',
        `${where} runs the profile ${runs}, not ${profile.sourcePath}`,
        `check ${runs} instead, or point ExecStart's --profile at this one`,
      ),
    );
  if (unit.protectSystem === 'strict') {
    const allowed = [...unit.readWritePaths, ...unit.stateDirectories];
    for (const needed of writtenPaths(profile)) {
      if (allowed.some((root) => isInside(needed, root))) continue;
      results.push(
        fail(
          'service-unit',
          `the service cannot write ${needed}: ProtectSystem=strict, and neither ReadWritePaths= nor StateDirectory= covers it`,
          `sudo systemctl edit async-client, then add: [Service] ReadWritePaths=${needed}`,
        ),
      );
    }
  }
  if (results.length === 0)
    results.push(ok('service-unit', `${where}: runs this profile and may write ${writtenPaths(profile).join(', ')}`));
  return results;
}
