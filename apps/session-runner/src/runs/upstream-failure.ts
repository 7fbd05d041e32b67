import type { SessionErrorType } from '@lap/contracts';
import { CursorApiError, CursorUnreachableError, StreamStalledError } from '@lap/cursor-client';
import { StreamEndedEarlyError } from './stream-ended-early.error';

export type FailureClass = 'retry' | 'rate_limited' | 'fatal';

/** How the runner treats a failed call to Cursor: try again, wait as told, or give up on the command. */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof CursorApiError) {
    if (error.status === 429) return 'rate_limited';
    if (error.status >= 500 || error.code === 'stream_unavailable') return 'retry';
    return 'fatal';
  }
  if (
    error instanceof CursorUnreachableError ||
    error instanceof StreamStalledError ||
    error instanceof StreamEndedEarlyError
  ) {
    return 'retry';
  }
  return 'fatal';
}

/**
 * The `session.error` a person reads when the runner gives up: what happened and what to do about it.
 * Never includes the key.
 */
export function describeFailure(
  error: unknown,
  apiBase: string,
): { type: SessionErrorType; message: string } {
  if (error instanceof CursorApiError) {
    const said = `${error.status} ${error.code}: ${error.message}`;
    if (error.status === 401 || error.code === 'unauthorized' || error.code === 'api_key_not_found') {
      return {
        type: 'authentication_error',
        message: `Cursor rejected the API key (${said}). Store a valid key with PUT /api/agent-runtimes/cursor/credentials.`,
      };
    }
    if (error.code === 'plan_required') {
      return {
        type: 'billing_error',
        message: `Cursor says this account's plan does not include Cloud Agents (${said}). Upgrade the plan or use another key.`,
      };
    }
    if (error.status === 403) {
      return {
        type: 'authentication_error',
        message: `Cursor refused the request for this key (${said}). Check the key's role and the features enabled for it.`,
      };
    }
    if (error.status === 429) {
      return {
        type: 'model_rate_limited_error',
        message: `Cursor kept rate-limiting the request (${said}). Wait a little and send the message again.`,
      };
    }
    if (error.status === 400) {
      return { type: 'invalid_request_error', message: `Cursor refused the request (${said}).` };
    }
    if (error.code === 'agent_not_found' || error.code === 'agent_archived') {
      return {
        type: 'invalid_request_error',
        message: `The session's Cursor agent can no longer take messages (${said}). Start a new session.`,
      };
    }
    return {
      type: 'model_request_failed_error',
      message: `Cursor failed the request (${said}). Try again later.`,
    };
  }
  if (error instanceof CursorUnreachableError || error instanceof StreamStalledError) {
    return {
      type: 'credential_host_unreachable_error',
      message: `Could not reach Cursor at ${apiBase} (${error.message}). Check the api_base of the stored credentials and the network, then send the message again.`,
    };
  }
  if (error instanceof StreamEndedEarlyError) {
    return {
      type: 'model_request_failed_error',
      message: `${error.message}, although the run is still going. Its progress is no longer followed here: see the run in Cursor, or send a message once it has finished.`,
    };
  }
  return {
    type: 'unknown_error',
    message: 'The session runner failed unexpectedly. Send the message again.',
  };
}
