import { types } from 'node:util';

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

/**
 * Errors may come from another realm (jest's VM modules, a native addon), where
 * `instanceof Error` is false for a real Error; `isNativeError` is not fooled.
 */
function isError(error: unknown): error is Error {
  return error instanceof Error || types.isNativeError(error);
}

/** Reads a code from anything thrown: ours, Node's system errors (ENOENT, ENOSPC), or none. */
export function errorCode(error: unknown): string {
  if (error instanceof AsyncClientError) return error.code;
  if (isError(error) && typeof (error as NodeJS.ErrnoException).code === 'string') {
    return (error as NodeJS.ErrnoException).code as string;
  }
  return 'E_UNEXPECTED';
}

export function errorMessage(error: unknown): string {
  return isError(error) ? error.message : String(error);
}
