import type { RawRecord } from '@lap/contracts';

type RunSettled = Extract<RawRecord, { kind: 'run.settled' }>;

export const AGENT_ID = 'bc-00000000-agent';

/** Records stamped one second apart from a fixed start, so expected `processed_at` values are known. */
export class RawRecordClock {
  private tick = 0;
  next(): string {
    return new Date(Date.UTC(2026, 0, 1, 12, 0, this.tick++)).toISOString();
  }
}

/** Builders for the records a session runner writes, each stamped by the clock. */
export function rawRecords(clock = new RawRecordClock()) {
  let frameCount = 0;
  const frame = (
    runId: string,
    event: string,
    data: unknown,
    id: string | null = `1767268800000-${++frameCount}`,
  ) => ({ kind: 'cursor.frame', runId, frame: { id, event, data }, at: clock.next() }) satisfies RawRecord;
  return {
    message: (commandId: string, text: string): RawRecord => ({
      kind: 'message.taken',
      commandId,
      text,
      at: clock.next(),
    }),
    agentCreated: (commandId: string, runId: string): RawRecord => ({
      kind: 'cursor.agent_created',
      commandId,
      agentId: AGENT_ID,
      runId,
      at: clock.next(),
    }),
    runCreated: (commandId: string, runId: string): RawRecord => ({
      kind: 'cursor.run_created',
      commandId,
      agentId: AGENT_ID,
      runId,
      at: clock.next(),
    }),
    status: (runId: string, status: string) => frame(runId, 'status', { runId, status }, null),
    thinking: (runId: string) => frame(runId, 'thinking', { text: 'Considering the failing test' }),
    assistant: (runId: string, text: string) => frame(runId, 'assistant', { text }),
    toolCall: (runId: string, data: Record<string, unknown>) => frame(runId, 'tool_call', data),
    heartbeat: (runId: string) => frame(runId, 'heartbeat', {}),
    interactionUpdate: (runId: string) =>
      frame(runId, 'interaction_update', { type: 'text-delta', text: 'x' }),
    frame: (runId: string, event: string, data: unknown) => frame(runId, event, data),
    result: (runId: string, status: string) => frame(runId, 'result', { runId, status }),
    done: (runId: string) => frame(runId, 'done', {}),
    settled: (
      commandId: string,
      runId: string,
      status: string,
      branches?: RunSettled['branches'],
    ): RawRecord => ({
      kind: 'run.settled',
      commandId,
      runId,
      status,
      source: 'result',
      ...(branches ? { branches } : {}),
      at: clock.next(),
    }),
  };
}

/**
 * A generated session of exactly `count` records: runs one after another (message, run created, status,
 * a mix of thinking, text, tool calls and noise, result, done, settled), varied by `variant`.
 */
export function generatedSession(variant: number, count: number): RawRecord[] {
  const r = rawRecords();
  const records: RawRecord[] = [];
  for (let run = 0; records.length < count; run++) {
    const commandId = `cmd_${variant}_${run}`;
    const runId = `run-${variant}-${run}`;
    records.push(r.message(commandId, `Request ${run} of session ${variant}`));
    records.push(run === 0 ? r.agentCreated(commandId, runId) : r.runCreated(commandId, runId));
    records.push(r.status(runId, 'RUNNING'));
    const steps = 4 + ((variant + run) % 5);
    for (let step = 0; step < steps; step++) {
      switch ((variant * 7 + run * 3 + step) % 6) {
        case 0:
          records.push(r.thinking(runId));
          break;
        case 1:
        case 2:
          records.push(r.assistant(runId, `part ${step} `));
          break;
        case 3: {
          const callId = `call-${run}-${step}`;
          records.push(
            r.toolCall(runId, {
              callId,
              name: 'read_file',
              status: 'running',
              args: { path: `src/${step}.ts` },
            }),
          );
          records.push(
            r.toolCall(runId, { callId, name: 'read_file', status: 'completed', result: `contents ${step}` }),
          );
          break;
        }
        case 4:
          records.push(r.heartbeat(runId));
          break;
        default:
          records.push(r.interactionUpdate(runId));
      }
    }
    records.push(r.result(runId, 'FINISHED'), r.done(runId), r.settled(commandId, runId, 'FINISHED'));
  }
  return records.slice(0, count);
}
