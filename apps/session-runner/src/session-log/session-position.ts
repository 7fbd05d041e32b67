import { Header, type RawRecord } from '@lap/contracts';

/**
 * Where a session stands, as told by the newest record of its raw log. Pure: the headers of that one
 * record are enough to rebuild it, which is how a runner taking over a session knows what to resume.
 */
export interface SessionPosition {
  /** Stream sequence of the newest raw record of the session; 0 when the log is empty. */
  seq: number;
  /** The user message being (or last) executed. */
  commandId: string | null;
  agentId: string | null;
  runId: string | null;
  runState: 'none' | 'live' | 'settled';
  /** Newest Cursor frame id recorded for the run: the `Last-Event-ID` to resume from. */
  lastCursorEventId: string | null;
  /**
   * An interrupt was taken after the message, before its Cursor run was created: the run must be
   * cancelled once it exists. Kept until the run settles, so a runner resuming it cancels it too.
   */
  interruptedBeforeRun: boolean;
}

export const EMPTY_POSITION: SessionPosition = {
  seq: 0,
  commandId: null,
  agentId: null,
  runId: null,
  runState: 'none',
  lastCursorEventId: null,
  interruptedBeforeRun: false,
};

export function positionFromHeaders(seq: number, headers: Record<string, string>): SessionPosition {
  const state = headers[Header.RunState];
  return {
    seq,
    commandId: headers[Header.CommandId] || null,
    agentId: headers[Header.CursorAgentId] || null,
    runId: headers[Header.CursorRunId] || null,
    runState: state === 'live' || state === 'settled' ? state : 'none',
    lastCursorEventId: headers[Header.CursorLastEventId] || null,
    interruptedBeforeRun: headers[Header.InterruptedBeforeRun] === 'true',
  };
}

export function positionHeaders(position: Omit<SessionPosition, 'seq'>): Record<string, string> {
  const headers: Record<string, string> = { [Header.RunState]: position.runState };
  if (position.commandId) headers[Header.CommandId] = position.commandId;
  if (position.agentId) headers[Header.CursorAgentId] = position.agentId;
  if (position.runId) headers[Header.CursorRunId] = position.runId;
  if (position.lastCursorEventId) headers[Header.CursorLastEventId] = position.lastCursorEventId;
  if (position.interruptedBeforeRun) headers[Header.InterruptedBeforeRun] = 'true';
  return headers;
}

/** The position after appending `record` (its sequence is set by the caller once stored). */
export function advance(position: SessionPosition, record: RawRecord): Omit<SessionPosition, 'seq'> {
  const { seq: _seq, ...rest } = position;
  switch (record.kind) {
    case 'message.taken':
      return {
        ...rest,
        commandId: record.commandId,
        runId: null,
        runState: 'none',
        lastCursorEventId: null,
        interruptedBeforeRun: false,
      };
    case 'interrupt.taken':
      // A message taken and its run not created yet: nothing to cancel now, so the run carries it.
      return rest.commandId !== null && rest.runState === 'none'
        ? { ...rest, interruptedBeforeRun: true }
        : rest;
    case 'cursor.agent_created':
    case 'cursor.run_created':
      return {
        ...rest,
        agentId: record.agentId,
        runId: record.runId,
        runState: 'live',
        lastCursorEventId: null,
      };
    case 'cursor.frame':
      return { ...rest, lastCursorEventId: record.frame.id ?? rest.lastCursorEventId };
    case 'cursor.frames':
      return { ...rest, lastCursorEventId: record.frames[record.frames.length - 1].id };
    case 'run.settled':
    case 'runner.error':
      return { ...rest, runState: 'settled', interruptedBeforeRun: false };
  }
}

/**
 * The NATS message id of a raw record: deterministic, so a runner re-publishing a record already
 * stored (after a crash or a lost ack) is answered "duplicate" instead of storing it twice.
 */
export function recordMessageId(sessionId: string, position: SessionPosition, record: RawRecord): string {
  switch (record.kind) {
    case 'message.taken':
    case 'interrupt.taken':
      return `${sessionId}:${record.commandId}:taken`;
    case 'cursor.agent_created':
    case 'cursor.run_created':
      return `${sessionId}:${record.commandId}:run`;
    case 'cursor.frame':
      // Id-less frames (the status every connection starts with; `error` and `done` of a closing
      // connection) are kept once per kind and resume point.
      return record.frame.id === null
        ? `${sessionId}:${record.runId}:${record.frame.event}@${position.lastCursorEventId ?? 'start'}`
        : `${sessionId}:${record.runId}:${record.frame.id}`;
    case 'cursor.frames':
      // The id its first frame would have alone. A retry sends the same record, so the same id; a
      // stream resumed after a failed append starts after what the log holds, never inside a record.
      return `${sessionId}:${record.runId}:${record.frames[0].id}`;
    case 'run.settled':
      return `${sessionId}:${record.runId}:settled`;
    case 'runner.error':
      return `${sessionId}:${record.commandId}:error`;
  }
}
