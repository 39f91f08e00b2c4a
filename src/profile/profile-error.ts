import { AsyncClientError, errorMessage } from '../errors.js';

export type ProfileErrorCode =
  | 'E_PROFILE_NOT_FOUND'
  | 'E_PROFILE_NOT_A_FILE'
  | 'E_PROFILE_UNREADABLE'
  | 'E_PROFILE_YAML'
  | 'E_PROFILE_INVALID';

/** One thing wrong in a profile file, located at the node an editor should jump to. */
export interface ProfileIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Dotted field path such as `profile.downloadIntervalMinutes` or `upload.tables[0].name`; empty when the YAML itself is broken. */
  readonly field: string;
  readonly expected: string;
  readonly found: string;
}

/** `profile.yaml:3:28 profile.downloadIntervalMinutes: expected a whole number of minutes from 1 to 1440, found 0` */
function renderIssue(issue: ProfileIssue): string {
  const field = issue.field === '' ? '' : `${issue.field}: `;
  return `${issue.file}:${issue.line}:${issue.column} ${field}expected ${issue.expected}, found ${issue.found}`;
}

/** A profile that cannot be used: its message is one line per issue (or one line about the file). */
export class ProfileError extends AsyncClientError {
  readonly issues: readonly ProfileIssue[];

  constructor(code: ProfileErrorCode, message: string, issues: readonly ProfileIssue[], file: string, options?: ErrorOptions) {
    super(code, message, { file, issues }, options);
    this.name = 'ProfileError';
    this.issues = issues;
  }

  static fromIssues(code: 'E_PROFILE_YAML' | 'E_PROFILE_INVALID', file: string, issues: readonly ProfileIssue[]): ProfileError {
    return new ProfileError(code, issues.map(renderIssue).join('\n'), issues, file);
  }
}

/** One line per issue of a ProfileError (`file:line:col ...`), or the one message of any other error. */
export function problemLines(error: unknown): string[] {
  return error instanceof ProfileError && error.issues.length > 0 ? error.message.split('\n') : [errorMessage(error)];
}
