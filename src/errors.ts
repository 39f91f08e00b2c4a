/**
 * Every failure the daemon reports carries a stable code (for alerts, scripts and docs)
 * and a message that says what went wrong, where, and what to do about it.
 */
export class AsyncClientError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AsyncClientError';
    this.code = code;
    this.details = details;
  }
}

/** Reads a code from anything thrown: ours, Node's system errors (ENOENT, ENOSPC), or none. */
export function errorCode(error: unknown): string {
  if (error instanceof AsyncClientError) return error.code;
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    return (error as NodeJS.ErrnoException).code as string;
  }
  return 'E_UNEXPECTED';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
