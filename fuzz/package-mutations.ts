import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeTail } from '../src/package/frame.js';
import { signDigest, toPrivateKey, type KeyInput } from '../src/package/signature.js';

/** A deterministic source of choices for one mutation. */
export interface Choices {
  /** An integer from 0 to `below - 1`. */
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
}

export function choicesFrom(random: () => number): Choices {
  return {
    int: (below) => Math.floor(random() * below),
    pick: (items) => items[Math.floor(random() * items.length)] as never,
  };
}

export interface Mutation {
  readonly name: string;
  /** Whether the frame still vouches for the bytes (digest recomputed): the content checks alone must catch it. */
  readonly reframed: boolean;
  readonly bytes: Buffer;
}

/** Where the body ends: the trailer is the last `{"sha256"` of the file. */
function split(bytes: Buffer): { body: Buffer; tail: Buffer } {
  const at = bytes.lastIndexOf('{"sha256"');
  return { body: bytes.subarray(0, at), tail: bytes.subarray(at) };
}

function reframe(body: Buffer, signingKey: KeyInput | undefined): Buffer {
  const sha256 = createHash('sha256').update(body).digest('hex');
  const signature = signingKey === undefined ? undefined : signDigest(sha256, toPrivateKey(signingKey));
  return Buffer.concat([body, encodeTail(signature === undefined ? { sha256 } : { sha256, signature })]);
}

function randomBytes(choices: Choices, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => choices.int(256)));
}

/** Text and bytes that break the format's rules in the ways issue 14 found, spliced into content. */
const HOSTILE_SNIPPETS: readonly (string | Buffer)[] = [
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '1e400',
  '-0',
  '3.0',
  '1e2',
  '9007199254740993',
  '"9223372036854775808"',
  '\r',
  ' ',
  '\n',
  '\n\n',
  '{"table":"async_client_meta"}',
  '{"delete":[1],"delete":[2]}',
  `${'['.repeat(64)}${']'.repeat(64)}`,
  '"AAA="',
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xef, 0xbb, 0xbf]),
];

function flipBits(bytes: Buffer, choices: Choices): Buffer {
  const copy = Buffer.from(bytes);
  for (let flips = 1 + choices.int(8); flips > 0 && copy.length > 0; flips--) {
    const at = choices.int(copy.length);
    copy[at] = (copy[at] as number) ^ (1 << choices.int(8));
  }
  return copy;
}

function insertBytes(bytes: Buffer, choices: Choices): Buffer {
  const at = choices.int(bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, at), randomBytes(choices, 1 + choices.int(16)), bytes.subarray(at)]);
}

/** Mutations of the raw file: the frame (footer, CRC, digest) must refuse every one that changed a byte. */
const RAW: Record<string, (bytes: Buffer, choices: Choices) => Buffer> = {
  'flip bits': flipBits,
  truncate: (bytes, choices) => bytes.subarray(0, choices.int(bytes.length)),
  'insert bytes': insertBytes,
  'delete bytes': (bytes, choices) => {
    const at = choices.int(bytes.length);
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + choices.int(16))]);
  },
  'append bytes': (bytes, choices) => Buffer.concat([bytes, randomBytes(choices, 1 + choices.int(64))]),
  'append the package to itself': (bytes) => Buffer.concat([bytes, bytes]),
  'append a gzip member after the footer': (bytes, choices) => Buffer.concat([bytes, gzipSync(randomBytes(choices, choices.int(64)))]),
};

/** Mutations of the decompressed content, recompressed and reframed with a correct digest (and signature). */
const CONTENT: Record<string, (content: Buffer, choices: Choices) => Buffer> = {
  'flip content bits': flipBits,
  'truncate content': (content, choices) => content.subarray(0, choices.int(content.length)),
  'insert content bytes': insertBytes,
  'splice a hostile snippet': (content, choices) => {
    const at = choices.int(content.length + 1);
    const snippet = choices.pick(HOSTILE_SNIPPETS);
    return Buffer.concat([content.subarray(0, at), Buffer.isBuffer(snippet) ? snippet : Buffer.from(snippet), content.subarray(at)]);
  },
  'drop a line': (content, choices) => editLines(content, (lines) => lines.splice(choices.int(lines.length), 1)),
  'repeat a line': (content, choices) =>
    editLines(content, (lines) => {
      const at = choices.int(lines.length);
      lines.splice(at, 0, lines[at] as Buffer);
    }),
  'swap two lines': (content, choices) =>
    editLines(content, (lines) => {
      const a = choices.int(lines.length);
      const b = choices.int(lines.length);
      [lines[a], lines[b]] = [lines[b] as Buffer, lines[a] as Buffer];
    }),
  'change a declared count': (content, choices) =>
    Buffer.from(
      content
        .toString('latin1')
        .replace(/"(upsertCount|deleteCount)":\d+/, (_all, name: string) => `"${name}":${choices.pick([0, 1, 1e9, 4e9, 2 ** 53 - 1])}`),
      'latin1',
    ),
  'rename a table to a reserved name': (content, choices) =>
    Buffer.from(
      content.toString('latin1').replaceAll('"Product"', `"${choices.pick(['async_client_meta', 'SQLITE_MASTER', 'product'])}"`),
      'latin1',
    ),
};

function editLines(content: Buffer, edit: (lines: Buffer[]) => void): Buffer {
  const lines: Buffer[] = [];
  for (let start = 0; start < content.length; ) {
    const end = content.indexOf(0x0a, start);
    const stop = end < 0 ? content.length : end + 1;
    lines.push(content.subarray(start, stop));
    start = stop;
  }
  if (lines.length > 0) edit(lines);
  return Buffer.concat(lines);
}

/** How a reframed body is put together: normally, or as the gzip tricks the format refuses. */
const BODIES: Record<string, (content: Buffer, choices: Choices) => Buffer> = {
  'one member': (content, choices) => gzipSync(content, { level: choices.int(10) }),
  'two members': (content, choices) => {
    const at = choices.int(content.length + 1);
    return Buffer.concat([gzipSync(content.subarray(0, at)), gzipSync(content.subarray(at))]);
  },
  'bytes after the member': (content, choices) => Buffer.concat([gzipSync(content), randomBytes(choices, 1 + choices.int(8))]),
};

/** One seeded mutation of a valid package. */
export function mutate(original: Buffer, choices: Choices, signingKey: KeyInput | undefined): Mutation {
  if (choices.int(2) === 0) {
    const name = choices.pick(Object.keys(RAW));
    return { name, reframed: false, bytes: (RAW[name] as (typeof RAW)[string])(original, choices) };
  }
  const content = gunzipSync(split(original).body);
  const edit = choices.pick(Object.keys(CONTENT));
  const body = choices.int(8) === 0 ? choices.pick(Object.keys(BODIES).slice(1)) : 'one member';
  const mutated = (CONTENT[edit] as (typeof CONTENT)[string])(content, choices);
  return {
    name: `${edit}, ${body}`,
    reframed: true,
    bytes: reframe((BODIES[body] as (typeof BODIES)[string])(mutated, choices), signingKey),
  };
}
