import { readFile } from 'node:fs/promises';
import { AsyncClientError, errorCode, errorMessage } from '../errors.js';
import type { WebDavTls } from './webdav-client.js';
import { FolderErrorCode } from './working-folder.js';

/** The PEM contents of the TLS files, as https.Agent takes them. */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

const FIELDS = { ca: 'caFile', cert: 'certFile', key: 'keyFile' } as const;

/** Reads the files the profile names; one that cannot be read is E_FOLDER_TLS naming the field and the file. */
export async function readTlsFiles(tls: WebDavTls): Promise<TlsMaterial> {
  const material: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const [option, field] of Object.entries(FIELDS) as Array<[keyof TlsMaterial, keyof WebDavTls]>) {
    const file = tls[field];
    if (file === undefined) continue;
    try {
      material[option] = await readFile(file);
    } catch (error) {
      throw new AsyncClientError(
        FolderErrorCode.tls,
        `Cannot read workingFolder.tls.${field} ${file}: ${errorMessage(error)} (${errorCode(error)}); fix the path or let the daemon's user read it.`,
        { field, file, systemCode: errorCode(error) },
        { cause: error },
      );
    }
  }
  return material;
}

/** What a TLS failure means for the operator, by the code Node (or OpenSSL) gives it. */
const TLS_PROBLEMS: ReadonlyArray<{ readonly codes: readonly string[]; readonly reason: (host: string) => string }> = [
  { codes: ['CERT_HAS_EXPIRED'], reason: () => "the server's certificate has expired; HQ must renew it" },
  { codes: ['CERT_NOT_YET_VALID'], reason: () => "the server's certificate is not valid yet; check this machine's clock" },
  {
    codes: ['ERR_TLS_CERT_ALTNAME_INVALID'],
    reason: (host) => `the server's certificate is not issued for ${host}; use the host name the certificate names in workingFolder.url`,
  },
  {
    codes: [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_SIGNATURE_FAILURE',
    ],
    reason: () =>
      "the server's certificate is signed by a CA this store does not trust; set workingFolder.tls.caFile to HQ's CA certificate",
  },
  {
    codes: ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'],
    reason: () => 'the server requires a client certificate; set workingFolder.tls.certFile and keyFile',
  },
  {
    codes: ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED'],
    reason: () => "the server refused this store's client certificate (unknown issuer, expired or revoked); ask HQ for a valid one",
  },
  {
    codes: ['ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'ERR_OSSL_PEM_NO_START_LINE', 'ERR_OSSL_UNSUPPORTED'],
    reason: () => 'the TLS files cannot be used: the key does not match the certificate, or a file is not PEM; check workingFolder.tls',
  },
  {
    codes: ['ERR_SSL_WRONG_VERSION_NUMBER'],
    reason: () => 'the server does not speak TLS there; check http:// or https:// and the port in workingFolder.url',
  },
];

/**
 * A certificate problem is not a flaky network: retrying cannot fix it, so it gets its own code
 * (E_FOLDER_TLS) naming the host and the reason. Undefined for any other transport failure.
 */
export function tlsError(error: unknown, base: URL, tls: WebDavTls): AsyncClientError | undefined {
  const code = tlsCodeOf(error);
  const problem = code === undefined ? undefined : TLS_PROBLEMS.find((candidate) => candidate.codes.includes(code));
  if (problem === undefined || code === undefined) return undefined;
  return new AsyncClientError(
    FolderErrorCode.tls,
    `Cannot open a TLS connection to ${base.host} for WebDAV folder ${base.href}: ${problem.reason(base.hostname)} (${code}).`,
    { host: base.host, location: base.href, systemCode: code, caFile: tls.caFile ?? null, certFile: tls.certFile ?? null },
    { cause: error },
  );
}

/** node-fetch copies the socket error's code onto its FetchError; the original is its `cause` too. */
function tlsCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth += 1) {
    const code = errorCode(current);
    if (TLS_PROBLEMS.some((problem) => problem.codes.includes(code))) return code;
    current = (current as { cause?: unknown; erroredSysCall?: unknown }).cause;
  }
  return undefined;
}
