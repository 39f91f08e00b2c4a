import { assignInText, Assignments } from '../../../src/profile/hq/assignments.js';
import { ProfileError } from '../../../src/profile/profile-error.js';

const FILE = 'profiles/assignments.yaml';

function parse(text: string): Assignments {
  return Assignments.parse(FILE, text);
}

function problemsOf(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileError);
    return (error as ProfileError).message.split('\n');
  }
  throw new Error('expected the assignments to be refused');
}

describe('profiles/assignments.yaml', () => {
  const assignments = parse(`assignments:
  "*": standard
  store-00*: north
  store-0042: pilot
  store-1*: south
  store-?00*: east
`);

  it('gives an exact channel id its own entry, whatever globs also match', () => {
    expect(assignments.match('store-0042')).toEqual({
      assignment: { pattern: 'store-0042', profile: 'pilot' },
      outranked: ['store-00*', '*'],
    });
  });

  it('gives the glob with the most literal characters when two globs match, not the first listed', () => {
    expect(assignments.match('store-0043')?.assignment).toEqual({ pattern: 'store-00*', profile: 'north' });
  });

  it('breaks a tie between equally specific globs by the order they are listed in', () => {
    const tie = parse('assignments:\n  store-1*: south\n  store-?0*: east\n');
    // Both have 7 literal characters and both match store-1001.
    expect(tie.match('store-1001')).toEqual({ assignment: { pattern: 'store-1*', profile: 'south' }, outranked: ['store-?0*'] });
    const reversed = parse('assignments:\n  store-?0*: east\n  store-1*: south\n');
    expect(reversed.match('store-1001')?.assignment.profile).toBe('east');
  });

  it('matches nothing when no entry does, and treats ? as exactly one character', () => {
    expect(parse('assignments:\n  store-00?: a\n').match('store-0042')).toBeUndefined();
    expect(parse('assignments:\n  store-00??: a\n').match('store-0042')?.assignment.profile).toBe('a');
    expect(parse('').match('store-0042')).toBeUndefined();
  });

  it('refuses a bad glob, a bad profile name and an unknown field, at file:line:col', () => {
    expect(problemsOf('assignments:\n  store/00: a\n  ok: "bad name"\n  other: assignments\nextra: 1\n')).toEqual([
      `${FILE}:2:3 assignments.store/00: expected a channel id or a glob of 1 to 64 letters, digits, '_', '-', '*' or '?', found "store/00"`,
      `${FILE}:3:7 assignments.ok: expected a profile name (1 to 64 letters, digits, '_' or '-', starting with a letter or digit; not "assignments"), found "bad name"`,
      `${FILE}:4:10 assignments.other: expected a profile name (1 to 64 letters, digits, '_' or '-', starting with a letter or digit; not "assignments"), found "assignments"`,
      `${FILE}:5:1 extra: expected only the field assignments, found an unknown field "extra"`,
    ]);
  });

  it('refuses the same pattern twice, as YAML with a key twice', () => {
    expect(problemsOf('assignments:\n  store-*: a\n  store-*: b\n')[0]).toMatch(/^profiles\/assignments\.yaml:3:3 .*each key once per map/);
  });

  it('adds an entry at the end and replaces an existing one in place, keeping comments', () => {
    const text = '# HQ assignments\nassignments:\n  store-0042: pilot # the pilot store\n';
    const added = assignInText(text, '*', 'standard');
    expect(added).toBe('# HQ assignments\nassignments:\n  store-0042: pilot # the pilot store\n  "*": standard\n');
    expect(assignInText(added, 'store-0042', 'north')).toContain('store-0042: north # the pilot store\n');
    expect(parse(assignInText('', 'store-*', 'pilot')).entries).toEqual([{ pattern: 'store-*', profile: 'pilot' }]);
  });
});
