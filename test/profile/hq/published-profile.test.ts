import { createHash } from 'node:crypto';
import { parsePublishedProfile } from '../../../src/profile/hq/published-profile.js';
import { checkPublishedSignature, signPublishedFile } from '../../../src/profile/hq/signature.js';
import { ProfileError } from '../../../src/profile/profile-error.js';
import { generateSigningKeyPair } from '../../../src/package/index.js';
import { signDigest, toPrivateKey } from '../../../src/package/signature.js';

const FILE = 'profiles/pilot.yaml';
const GOOD = 'profile:\n  name: Pilot\n  downloadIntervalMinutes: 5\n  uploadIntervalMinutes: 10\n';

function problemsOf(text: string): string[] {
  try {
    parsePublishedProfile('pilot', FILE, text);
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileError);
    return (error as ProfileError).message.split('\n');
  }
  throw new Error('expected the profile to be refused');
}

describe('a published profile', () => {
  it('keeps what HQ wrote, no defaults added', () => {
    expect(parsePublishedProfile('pilot', FILE, `${GOOD}download:\n  tryLimit: 4\n`).written).toEqual({
      profile: { name: 'Pilot', downloadIntervalMinutes: 5, uploadIntervalMinutes: 10 },
      download: { tryLimit: 4 },
    });
  });

  it('refuses a path, a credential, the channel id and an unknown key, each at its line', () => {
    const text = `${GOOD}download:\n  publicKey: /etc/hq.pem\nworkingFolder:\n  adapter: webdav\n  url: https://x/\n  password: secret\nchannel:\n  id: store-1\ncolour: blue\n`;
    expect(problemsOf(text)).toEqual([
      `${FILE}:6:3 download.publicKey: expected only the sections every store may share: profile, schedule, download, upload, found "download.publicKey", the path of the key that checks HQ's signatures, which only each store's own file sets`,
      `${FILE}:7:1 workingFolder: expected only the sections every store may share: profile, schedule, download, upload, found "workingFolder", a path or a credential, which only each store's own file sets`,
      `${FILE}:11:1 channel: expected only the sections every store may share: profile, schedule, download, upload, found "channel", the channel id, which only each store's own file sets`,
      `${FILE}:13:1 colour: expected one of the fields profile, schedule, download, upload, found an unknown field "colour"`,
    ]);
  });

  it('refuses an interval out of range and a pattern that does not parse', () => {
    expect(problemsOf(GOOD.replace('downloadIntervalMinutes: 5', 'downloadIntervalMinutes: 1441'))).toEqual([
      `${FILE}:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 1441`,
    ]);
    expect(problemsOf(`${GOOD}schedule:\n  download: "99 * * * * *"\n`)[0]).toMatch(
      /^profiles\/pilot\.yaml:6:13 schedule\.download: expected a croner pattern/,
    );
  });

  it('refuses an empty or truncated file', () => {
    expect(problemsOf('')[0]).toMatch(
      /^profiles\/pilot\.yaml:1:1 expected a map of the sections profile, schedule, download and upload, found an empty file/,
    );
    expect(problemsOf(GOOD.slice(0, 40))).toEqual([
      `${FILE}:3:3 expected valid YAML, found an error: Implicit map keys need to be followed by map values`,
    ]);
    expect(problemsOf(GOOD.slice(0, 52))).toEqual([
      `${FILE}:2:3 profile.uploadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found nothing (the field is missing)`,
    ]);
  });
});

describe("a published file's signature", () => {
  const hq = generateSigningKeyPair();
  const other = generateSigningKeyPair();
  const bytes = Buffer.from(GOOD);
  const signature = signPublishedFile(FILE, bytes, hq.privateKeyPem, 1764720000000);
  /** The code a check throws, undefined when it passes. */
  const refusal = (run: () => void): string | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it("verifies with HQ's key and gives the revision it signs", () => {
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==\nrevision 1764720000000\n$/);
    expect(checkPublishedSignature(FILE, bytes, signature, hq.publicKeyPem)).toBe(1764720000000);
    expect(checkPublishedSignature(FILE, bytes, signature.replaceAll('\n', '\r\n'), hq.publicKeyPem)).toBe(1764720000000);
  });

  it('verifies a signature without a revision, as builds before revisions wrote, as revision 0', () => {
    const unrevised = `${signDigest(
      createHash('sha256').update(FILE).update('\0').update(bytes).digest('hex'),
      toPrivateKey(hq.privateKeyPem),
      'async-client-profile:1',
    )}\n`;
    expect(checkPublishedSignature(FILE, bytes, unrevised, hq.publicKeyPem)).toBe(0);
  });

  it('is refused when its revision line is changed, dropped or added to', () => {
    const [line] = signature.split('\n');
    const codeOf = (text: string): string | undefined => refusal(() => checkPublishedSignature(FILE, bytes, text, hq.publicKeyPem));
    expect(codeOf(signature.replace('revision 1764720000000', 'revision 1864720000000'))).toBe('E_HQ_PROFILE_SIGNATURE');
    expect(codeOf(`${line}\n`)).toBe('E_HQ_PROFILE_SIGNATURE');
    expect(codeOf(`${signature}revision 2\n`)).toBe('E_HQ_PROFILE_SIGNATURE');
    expect(codeOf(`${line}\nrevision -1\n`)).toBe('E_HQ_PROFILE_SIGNATURE');
  });

  it('is refused when made by another key, missing, for a truncated file, or for the same file under another name', () => {
    expect(
      refusal(() => checkPublishedSignature(FILE, bytes, signPublishedFile(FILE, bytes, other.privateKeyPem, 1), hq.publicKeyPem)),
    ).toBe('E_HQ_PROFILE_SIGNATURE');
    expect(refusal(() => checkPublishedSignature(FILE, bytes, undefined, hq.publicKeyPem))).toBe('E_HQ_PROFILE_UNSIGNED');
    expect(refusal(() => checkPublishedSignature(FILE, bytes.subarray(0, 40), signature, hq.publicKeyPem))).toBe('E_HQ_PROFILE_SIGNATURE');
    expect(refusal(() => checkPublishedSignature('profiles/north.yaml', bytes, signature, hq.publicKeyPem))).toBe('E_HQ_PROFILE_SIGNATURE');
    expect(refusal(() => checkPublishedSignature(FILE, bytes, 'not a signature\n', hq.publicKeyPem))).toBe('E_HQ_PROFILE_SIGNATURE');
  });

  it('is not needed by a store that pins no key, whose files have no revision', () => {
    expect(checkPublishedSignature(FILE, bytes, undefined, undefined)).toBe(0);
    expect(checkPublishedSignature(FILE, bytes, signature, undefined)).toBe(0);
  });
});
