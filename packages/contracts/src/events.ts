/**
 * Normalized session events: the Anthropic Managed Agents event shape. The body of every message on
 * `<P>.events.<sessionId>` is exactly one of these, and the HTTP API returns them unchanged.
 */
export interface TextBlock {
  type: 'text';
  text: string;
}

export type StopReason = { type: 'end_turn' } | { type: 'retries_exhausted' };

export type SessionErrorType =
  | 'unknown_error'
  | 'authentication_error'
  | 'billing_error'
  | 'model_rate_limited_error'
  | 'model_request_failed_error'
  | 'credential_host_unreachable_error'
  | 'invalid_request_error';

export interface SessionErrorDetail {
  type: SessionErrorType;
  message: string;
  retry_status?: { type: 'retrying' | 'exhausted' | 'terminal' };
}

/** Where the run left its work: Cursor's agent and run, the branch, the pull request. */
export interface SessionOutputs {
  cursor_agent_id?: string;
  cursor_run_id?: string;
  branches?: Array<{ repository: string; branch: string; pr_url?: string }>;
}

export type SessionEventBody =
  | { type: 'session.status_running' }
  | { type: 'session.status_idle'; stop_reason: StopReason }
  | { type: 'session.status_terminated' }
  | { type: 'session.deleted' }
  | { type: 'session.error'; error: SessionErrorDetail }
  | { type: 'session.updated'; outputs: SessionOutputs }
  | { type: 'agent.message'; content: TextBlock[] }
  | { type: 'agent.thinking' }
  | { type: 'agent.tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'agent.tool_result'; tool_use_id: string; content: TextBlock[]; is_error: boolean }
  | { type: 'user.message'; content: TextBlock[] }
  | { type: 'user.interrupt' };

export type SessionEventType = SessionEventBody['type'];

/** Every event carries its id (`sevt_…`, deterministic) and when it was processed (RFC 3339). */
export type SessionEvent = SessionEventBody & { id: string; processed_at: string };

export const SESSION_EVENT_TYPES: readonly SessionEventType[] = [
  'session.status_running',
  'session.status_idle',
  'session.status_terminated',
  'session.deleted',
  'session.error',
  'session.updated',
  'agent.message',
  'agent.thinking',
  'agent.tool_use',
  'agent.tool_result',
  'user.message',
  'user.interrupt',
];

/** The session status an event implies, if it changes it. */
export function statusAfter(event: SessionEventBody): 'running' | 'idle' | 'terminated' | undefined {
  switch (event.type) {
    case 'session.status_running':
      return 'running';
    case 'session.status_idle':
      return 'idle';
    case 'session.status_terminated':
    case 'session.deleted':
      return 'terminated';
    default:
      return undefined;
  }
}
