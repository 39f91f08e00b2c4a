import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AsyncClientError } from '../errors.js';
import { FolderErrorCode } from './working-folder.js';

/** The few DAV properties the adapter asks for, read from one `<response>` of a multistatus. */
export interface DavResource {
  /** Decoded path segments of the resource's URL path. */
  readonly segments: readonly string[];
  readonly isCollection: boolean;
  readonly size: number | undefined;
  readonly modifiedAt: Date | undefined;
  /** RFC 4331; many servers (rclone among them) do not report it. */
  readonly quotaAvailableBytes: number | undefined;
  /** The quoted entity tag, `W/` included when weak. */
  readonly etag: string | undefined;
}

const PROPERTIES = ['resourcetype', 'getcontentlength', 'getlastmodified', 'getetag', 'quota-available-bytes'];

const propfindBody = (properties: readonly string[]): string =>
  '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>' +
  properties.map((name) => `<d:${name}/>`).join('') +
  '</d:prop></d:propfind>';

/** The PROPFIND request body naming those properties. */
export const PROPFIND_BODY = propfindBody(PROPERTIES);
/**
 * Only what tells a folder from a file: for a listing of folders, where a working folder of
 * 2,000 stores answers in 0.4 MB instead of 0.9 MB, parsed in about 40 % of the time.
 */
export const KIND_PROPFIND_BODY = propfindBody(['resourcetype']);

// Namespace prefixes differ between servers (D:, d:, lp1:), so they are dropped; values stay text.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'response' || name === 'propstat',
});

/** Reads a `207 Multi-Status` body; `base` resolves relative hrefs. */
export function parseMultistatus(xml: string, base: URL): DavResource[] {
  const notMultistatus = (cause?: unknown): AsyncClientError =>
    new AsyncClientError(
      FolderErrorCode.io,
      `The WebDAV server at ${base.origin} sent a PROPFIND answer that is not a DAV multistatus; check that workingFolder.url points at the WebDAV share.`,
      { location: base.href },
      { cause },
    );
  // The parser is lenient: a body cut short would read as a shorter listing, never as an error.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw notMultistatus(new Error(`${valid.err.msg} (line ${valid.err.line})`));
  try {
    const responses = field(field(parser.parse(xml), 'multistatus'), 'response');
    if (Array.isArray(responses)) return responses.map((response) => readResource(response, base));
  } catch (error) {
    throw notMultistatus(error);
  }
  throw notMultistatus();
}

function readResource(response: unknown, base: URL): DavResource {
  const href = text(field(response, 'href')) ?? '';
  const segments = new URL(href, base).pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment));
  // A propstat with a non-200 status lists properties the server does not have.
  const propstats = field(response, 'propstat');
  const found = (Array.isArray(propstats) ? propstats : [])
    .filter((propstat) => /\s200\s/.test(` ${text(field(propstat, 'status')) ?? ''} `))
    .map((propstat) => field(propstat, 'prop'));
  const property = (name: string): unknown => found.map((prop) => field(prop, name)).find((value) => value !== undefined);
  const lastModified = text(property('getlastmodified'));
  const modifiedAt = lastModified === undefined ? undefined : new Date(lastModified);
  return {
    segments,
    isCollection: field(property('resourcetype'), 'collection') !== undefined,
    size: numberOf(property('getcontentlength')),
    modifiedAt: modifiedAt === undefined || Number.isNaN(modifiedAt.getTime()) ? undefined : modifiedAt,
    quotaAvailableBytes: numberOf(property('quota-available-bytes')),
    etag: entityTag(text(property('getetag'))),
  };
}

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

function text(node: unknown): string | undefined {
  return typeof node === 'string' ? node : undefined;
}

function numberOf(node: unknown): number | undefined {
  const value = text(node);
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : undefined;
}

/** An entity tag as HTTP writes it (`"abc"`, `W/"abc"`); servers that omit the quotes get them. */
function entityTag(value: string | undefined): string | undefined {
  const tag = value?.trim();
  if (tag === undefined || tag === '') return undefined;
  if (/^(W\/)?"[^"]*"$/.test(tag)) return tag;
  return /^[\x21\x23-\x7e]+$/.test(tag) ? `"${tag}"` : undefined;
}
