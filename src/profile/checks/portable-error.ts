/** What crosses between the daemon and a profile check's process (in-subprocess.ts, subprocess.ts). */
import { AsyncClientError, errorCode, errorMessage } from '../../errors.js';
import { ProfileError, type ProfileErrorCode, type ProfileIssue } from '../profile-error.js';
import type { ProfileChecks } from './checks.js';

export interface CheckRequest {
  readonly operation: keyof ProfileChecks;
  readonly args: readonly unknown[];
}

/** A thrown error as plain data; revived on the other side with its class and code. */
export interface PortableError {
  readonly code: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** Set for a ProfileError. */
  readonly profile?: { readonly file: string; readonly issues: readonly ProfileIssue[] };
}

export type CheckReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: PortableError };

export function portableError(error: unknown): PortableError {
  const details = error instanceof AsyncClientError ? error.details : {};
  const message = errorMessage(error);
  if (!(error instanceof ProfileError)) return { code: errorCode(error), message, details };
  return { code: error.code, message, details, profile: { file: String(error.details.file), issues: error.issues } };
}

export function revivedError({ code, message, details, profile }: PortableError): AsyncClientError {
  return profile === undefined
    ? new AsyncClientError(code, message, { ...details })
    : new ProfileError(code as ProfileErrorCode, message, profile.issues, profile.file);
}
