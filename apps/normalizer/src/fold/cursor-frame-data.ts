import type { SessionErrorType } from '@lap/contracts';

/**
 * Readers for the `data` of Cursor run-stream frames. The raw log keeps frames verbatim and Cursor
 * documents little of their content, so every reader accepts missing or oddly typed fields and falls
 * back to a neutral value instead of throwing: one surprising frame must never wedge a session's fold.
 */

export type FrameData = Record<string, unknown>;

/** The frame's data as an object; a JSON text is parsed (a runner may keep the SSE `data:` line as is). */
export function readFrameData(data: unknown): FrameData {
  const value = typeof data === 'string' ? parseJson(data) : data;
  return isPlainObject(value) ? value : {};
}

export function readString(data: FrameData, key: string): string | undefined {
  const value = data[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Tool-call args as the object `agent.tool_use.input` needs. A JSON text is parsed; any other
 * non-empty value is kept under `value` rather than dropped. Empty means "no args in this frame".
 */
export function readToolArgs(args: unknown): Record<string, unknown> | undefined {
  if (args === undefined || args === null || args === '') return undefined;
  const value = typeof args === 'string' ? (parseJson(args) ?? args) : args;
  return isPlainObject(value) ? value : { value };
}

export type ToolCallProgress = 'running' | 'completed' | 'failed';

const COMPLETED_TOOL_STATUSES = new Set(['completed', 'complete', 'succeeded', 'success', 'done']);
const FAILED_STATUSES = new Set([
  'error',
  'errored',
  'failed',
  'failure',
  'cancelled',
  'canceled',
  'aborted',
]);

/** Cursor documents `running` and `completed`; failure-like statuses also end the call. Unknown: still running. */
export function toolCallProgress(status: string | undefined): ToolCallProgress {
  const normalized = status?.toLowerCase() ?? '';
  if (COMPLETED_TOOL_STATUSES.has(normalized)) return 'completed';
  if (FAILED_STATUSES.has(normalized)) return 'failed';
  return 'running';
}

/**
 * Whether a finished tool call failed. The rule: the frame's status is failure-like, or the frame
 * carries an `error`, or the result is an object that says so (`error` set, `success: false`,
 * `isError`/`is_error: true`, or a failure-like `status`). A plain string result is never an error:
 * it is the tool's output, whatever it says.
 */
export function toolCallFailed(data: FrameData): boolean {
  if (toolCallProgress(readString(data, 'status')) === 'failed') return true;
  if (isSet(data.error)) return true;
  const result = data.result;
  if (!isPlainObject(result)) return false;
  if (isSet(result.error)) return true;
  if (result.success === false) return true;
  if (result.isError === true || result.is_error === true) return true;
  return typeof result.status === 'string' && FAILED_STATUSES.has(result.status.toLowerCase());
}

/** The text of `agent.tool_result`: the result string, or its JSON; a bare `error` stands in for a missing result. */
export function toolResultText(data: FrameData): string {
  const output = data.result ?? data.error;
  if (output === undefined || output === null) return '';
  return typeof output === 'string' ? output : JSON.stringify(output);
}

// A Map, not an object literal: a code such as `constructor` must not find a prototype member.
const SESSION_ERROR_TYPE_BY_CURSOR_CODE: ReadonlyMap<string, SessionErrorType> = new Map([
  ['unauthorized', 'authentication_error'],
  ['api_key_not_found', 'authentication_error'],
  ['role_forbidden', 'authentication_error'],
  ['plan_required', 'billing_error'],
  ['feature_unavailable', 'billing_error'],
  ['rate_limit_exceeded', 'model_rate_limited_error'],
  ['upstream_error', 'model_request_failed_error'],
  ['internal_error', 'model_request_failed_error'],
  ['stream_expired', 'model_request_failed_error'],
  ['validation_error', 'invalid_request_error'],
  ['missing_body', 'invalid_request_error'],
  ['invalid_last_event_id', 'invalid_request_error'],
]);

export function sessionErrorTypeForCursorCode(code: string | undefined): SessionErrorType {
  return (code !== undefined && SESSION_ERROR_TYPE_BY_CURSOR_CODE.get(code)) || 'unknown_error';
}

// Keyed by the contract's union, so the compiler flags this list when a type is added or removed.
const KNOWN_SESSION_ERROR_TYPES: Readonly<Record<SessionErrorType, true>> = {
  unknown_error: true,
  authentication_error: true,
  billing_error: true,
  model_rate_limited_error: true,
  model_request_failed_error: true,
  credential_host_unreachable_error: true,
  invalid_request_error: true,
};

/** A runner names its error type itself; anything outside the Managed Agents set becomes `unknown_error`. */
export function asSessionErrorType(type: string): SessionErrorType {
  return Object.hasOwn(KNOWN_SESSION_ERROR_TYPES, type) ? (type as SessionErrorType) : 'unknown_error';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
