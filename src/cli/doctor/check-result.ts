/** How one doctor check came out; `skip` when an earlier failure makes it meaningless. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Short and stable, for scripts: `profile`, `database`, `working-folder`, ... */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
}

export function ok(check: string, detail: string): CheckResult {
  return { check, status: 'ok', detail };
}

export function warn(check: string, detail: string, fix: string): CheckResult {
  return { check, status: 'warn', detail, fix };
}

export function fail(check: string, detail: string, fix: string): CheckResult {
  return { check, status: 'fail', detail, fix };
}

export function skip(check: string, why: string): CheckResult {
  return { check, status: 'skip', detail: why };
}

const RANK: Readonly<Record<CheckStatus, number>> = { skip: 0, ok: 0, warn: 1, fail: 2 };

/** The worst status of all results: what the exit code says. */
export function worstStatus(results: readonly CheckResult[]): CheckStatus {
  return results.reduce<CheckStatus>((worst, result) => (RANK[result.status] > RANK[worst] ? result.status : worst), 'ok');
}
