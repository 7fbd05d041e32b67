import type { RawRecord } from '@lap/contracts';
import { WRITER_HEADER, type StoredRecord } from '@lap/messaging';

export interface RunnerLoss {
  kind: string;
  /** The process that lost its sessions. */
  pid: number;
  /** When it was killed, terminated or frozen. */
  at: number;
}

export interface Failover {
  kind: string;
  sessionId: string;
  /** From the loss to the first raw record another runner appended for the session; null: none did. */
  ms: number | null;
  /**
   * A frozen runner that wakes before anyone took its session over simply goes on (nobody wrote past
   * it, so its appends are not fenced) and the runner that got the command meanwhile is fenced instead.
   */
  keptByWokenRunner: boolean;
}

const TERMINAL: ReadonlySet<RawRecord['kind']> = new Set(['run.settled', 'runner.error']);

function writtenBy(record: StoredRecord<RawRecord>, pid: number): boolean {
  // Runners name themselves `runner:<host>:<pid>:<nonce>` (see the runner module).
  const parts = (record.headers[WRITER_HEADER] ?? '').split(':');
  return parts[parts.length - 2] === String(pid);
}

/**
 * For every session a lost runner was executing (its newest raw record before the loss is that
 * runner's and not the end of a run), how long until another runner appended to the session.
 */
export function failoverTimes(
  losses: readonly RunnerLoss[],
  sessions: ReadonlyMap<string, readonly StoredRecord<RawRecord>[]>,
): Failover[] {
  const failovers: Failover[] = [];
  for (const loss of losses) {
    for (const [sessionId, records] of sessions) {
      const before = records.filter((r) => r.time.getTime() <= loss.at);
      const newest = before[before.length - 1];
      if (!newest || !writtenBy(newest, loss.pid) || TERMINAL.has(newest.data.kind)) continue;
      const after = records.filter((r) => r.time.getTime() > loss.at);
      const next = after.find((r) => !writtenBy(r, loss.pid));
      failovers.push({
        kind: loss.kind,
        sessionId,
        ms: next ? next.time.getTime() - loss.at : null,
        keptByWokenRunner: after.length > 0 && writtenBy(after[0], loss.pid),
      });
    }
  }
  return failovers;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
