/**
 * Typed failures of the Cursor client. Messages are built from what Cursor said and the route, never
 * from request headers, so the API key cannot leak through an error (the client also masks it if a
 * server ever echoes it back).
 */

/** Cursor answered with an error status; `code` is Cursor's own (`agent_busy`, `rate_limit_exceeded`, …). */
export class CursorApiError extends Error {
  override readonly name = 'CursorApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From `Retry-After`, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Cursor could not be reached, or the connection broke before a full answer arrived. */
export class CursorUnreachableError extends Error {
  override readonly name = 'CursorUnreachableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A run stream delivered no bytes for longer than the caller's `idleTimeoutMs`. */
export class StreamStalledError extends Error {
  override readonly name = 'StreamStalledError';

  constructor(readonly idleTimeoutMs: number) {
    super(`Cursor run stream sent nothing for ${idleTimeoutMs} ms`);
  }
}

/**
 * Reads `Retry-After`, which is either delay-seconds or an HTTP date. Returns undefined when absent or
 * unreadable, never a negative delay.
 */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Builds the error for a non-2xx answer from its body (`{"error":{"code","message"}}` when Cursor
 * follows its contract; anything else falls back to a code derived from the status).
 */
export function apiErrorFromResponse(
  status: number,
  bodyText: string,
  retryAfterHeader: string | null,
  context: string,
): CursorApiError {
  let code = `http_${status}`;
  let message = `${context} failed with HTTP ${status}`;
  try {
    const body: unknown = JSON.parse(bodyText);
    const error = (body as { error?: unknown } | null)?.error;
    if (error && typeof error === 'object') {
      const { code: c, message: m } = error as { code?: unknown; message?: unknown };
      if (typeof c === 'string' && c) code = c;
      if (typeof m === 'string' && m) message = `${context}: ${m}`;
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): keep the status-derived code.
  }
  return new CursorApiError(status, code, message, parseRetryAfterMs(retryAfterHeader));
}
