/**
 * An error answered in Cursor's shape, `{"error":{"code","message"}}`, with the status and any extra
 * headers (Retry-After, X-RateLimit-*) Cursor sends with it.
 */
export class CursorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const agentNotFound = (agentId: string) =>
  new CursorHttpError(404, 'agent_not_found', `Agent ${agentId} not found`);

export const runNotFound = (runId: string) =>
  new CursorHttpError(404, 'run_not_found', `Run ${runId} not found`);

export const validationError = (message: string) => new CursorHttpError(400, 'validation_error', message);
