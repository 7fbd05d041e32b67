import { statusAfter, type SessionEventBody } from '@lap/contracts';
import type { SessionStatus } from './session.entity';

/**
 * A session's status after one of its events. Besides the contract's `statusAfter`, LAP clients
 * expect `error` when a run failed: a final `session.error` (retries exhausted or terminal) sets it,
 * and the `session.status_idle` that closes the failed run keeps it, until the next run starts.
 */
export function sessionStatusAfter(current: SessionStatus, event: SessionEventBody): SessionStatus {
  if (event.type === 'session.error') {
    const retry = event.error.retry_status?.type;
    return retry === 'terminal' || retry === 'exhausted' ? 'error' : current;
  }
  const next = statusAfter(event);
  if (next === undefined) return current;
  if (next === 'idle' && current === 'error') return 'error';
  return next;
}
