import type { SessionEvent, SessionOutputs } from '@lap/contracts';

/**
 * The part of a normalized event a scenario test compares: its type and the payload a client reads
 * (texts, tool names and inputs, results, error types, stop reasons, outputs). Event ids and times are
 * checked elsewhere; Cursor's agent and run ids are replaced by stable labels (`agent`, `run#1`, …) so
 * an expected list can be written before the ids exist.
 */
export type EventSummary =
  | { type: 'user.message' | 'agent.message'; text: string }
  | { type: 'agent.tool_use'; name: string; input: Record<string, unknown> }
  | { type: 'agent.tool_result'; text: string; is_error: boolean }
  | { type: 'session.error'; error_type: string; message: string; retry_status: string | undefined }
  | { type: 'session.status_idle'; stop_reason: string }
  | { type: 'session.updated'; outputs: SessionOutputs }
  | { type: 'session.status_running' | 'agent.thinking' | 'user.interrupt' }
  | { type: 'session.status_terminated' | 'session.deleted' };

export interface SummarizedSession {
  summaries: EventSummary[];
  /** Label → Cursor id, e.g. `run#2` → `run-…`, for checks against the emulator. */
  cursorIds: Map<string, string>;
}

export function summarizeEvents(events: SessionEvent[]): SummarizedSession {
  const labels = new Map<string, string>();
  const cursorIds = new Map<string, string>();
  let runs = 0;
  const label = (kind: 'agent' | 'run', id: string): string => {
    const known = labels.get(id);
    if (known) return known;
    const next = kind === 'agent' ? 'agent' : `run#${++runs}`;
    labels.set(id, next);
    cursorIds.set(next, id);
    return next;
  };
  const summaries = events.map((event): EventSummary => {
    switch (event.type) {
      case 'user.message':
      case 'agent.message':
        return { type: event.type, text: event.content.map((block) => block.text).join('') };
      case 'agent.tool_use':
        return { type: event.type, name: event.name, input: event.input };
      case 'agent.tool_result':
        return {
          type: event.type,
          text: event.content.map((block) => block.text).join(''),
          is_error: event.is_error,
        };
      case 'session.error':
        return {
          type: event.type,
          error_type: event.error.type,
          message: event.error.message,
          retry_status: event.error.retry_status?.type,
        };
      case 'session.status_idle':
        return { type: event.type, stop_reason: event.stop_reason.type };
      case 'session.updated': {
        const { cursor_agent_id, cursor_run_id, ...rest } = event.outputs;
        return {
          type: event.type,
          outputs: {
            ...(cursor_agent_id ? { cursor_agent_id: label('agent', cursor_agent_id) } : {}),
            ...(cursor_run_id ? { cursor_run_id: label('run', cursor_run_id) } : {}),
            ...rest,
          },
        };
      }
      default:
        return { type: event.type };
    }
  });
  return { summaries, cursorIds };
}
