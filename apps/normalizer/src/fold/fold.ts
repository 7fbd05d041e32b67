import { eventId } from '@lap/contracts';
import type {
  CursorFrame,
  RawRecord,
  SessionErrorDetail,
  SessionEvent,
  SessionEventBody,
} from '@lap/contracts';
import {
  asSessionErrorType,
  readFrameData,
  readString,
  readToolArgs,
  sessionErrorTypeForCursorCode,
  toolCallFailed,
  toolCallProgress,
  toolResultText,
} from './cursor-frame-data';
import type { FrameData } from './cursor-frame-data';
import { copyFoldState, newRunFoldState } from './fold-state';
import type { FoldState, OpenToolCall, RunFoldState } from './fold-state';

/**
 * Something the caller may want to count (a metric) although it produced no event. The raw log keeps
 * the record either way.
 */
export type FoldNote =
  /** A Cursor frame type this fold does not know. */
  | { kind: 'unknown_frame'; frameType: string }
  /** A frame of a run that already settled or is no longer the current one (e.g. a replay after reconnect). */
  | { kind: 'late_frame'; frameType: string; runId: string }
  /** A known frame type missing what it needs to be folded (e.g. a `tool_call` without `callId`). */
  | { kind: 'malformed_frame'; frameType: string; reason: string };

export interface FoldResult {
  /** The events the record yields, in order, each with its deterministic id. */
  events: SessionEvent[];
  /** The state after the record; the input state is left untouched. */
  state: FoldState;
  notes: FoldNote[];
}

/**
 * Where a raw record stands relative to the fold state: `fold` it now (its predecessor was the last one
 * folded), it is a `duplicate` (already folded: acknowledge it), or it is `ahead` of its turn (its
 * predecessor has not been folded yet: retry it a little later).
 */
export type RawRecordTurn = 'fold' | 'duplicate' | 'ahead';

export function classifyRawRecord(
  state: Pick<FoldState, 'lastRawSeq'>,
  rawSeq: number,
  prevSeq: number,
): RawRecordTurn {
  if (rawSeq <= state.lastRawSeq) return 'duplicate';
  return prevSeq === state.lastRawSeq ? 'fold' : 'ahead';
}

/**
 * Folds one raw record of a session into Managed Agents events (reference/event-mapping.md). Pure: the
 * same state and record always give the same events, ids and next state, so a crash anywhere between
 * folding, publishing and saving the state can simply fold the record again.
 *
 * Which frames are "meaningful": a meaningful frame ends the open assistant text (one `agent.message`),
 * the thinking stretch and pending tool uses, unless it continues them. `status`, `heartbeat`,
 * `interaction_update`, `done`, `error{stream_unavailable}` and unknown frame types are not meaningful:
 * they arrive in the middle of a text stream (keep-alives, the SDK-shaped copy, a reconnect) and must
 * not split one message into two.
 */
export function foldRecord(
  state: FoldState,
  record: RawRecord,
  rawSeq: number,
  sessionId: string,
  processedAt: string,
): FoldResult {
  const next = copyFoldState(state);
  const out = new EventBatch(sessionId, rawSeq, processedAt);
  const notes: FoldNote[] = [];

  switch (record.kind) {
    case 'message.taken':
      flushRun(next.run, out);
      out.add({ type: 'user.message', content: [{ type: 'text', text: record.text }] });
      break;
    case 'interrupt.taken':
      flushRun(next.run, out);
      out.add({ type: 'user.interrupt' });
      break;
    case 'cursor.agent_created':
    case 'cursor.run_created':
      startRun(next, record.agentId, record.runId, out);
      break;
    case 'cursor.frame':
      foldFrame(next, record.runId, record.frame, out, notes);
      break;
    case 'cursor.frames':
      for (const frame of record.frames) foldFrame(next, record.runId, frame, out, notes);
      break;
    case 'run.settled':
      settleRun(next, record, out);
      break;
    case 'runner.error':
      endTurnOnRunnerError(next, record.error, out);
      break;
  }

  next.lastRawSeq = rawSeq;
  return { events: out.events, state: next, notes };
}

/** An event body as the fold writes it: its `id` is always the event id, given when it is added. */
type EventBodyWithoutId = SessionEventBody extends infer Body
  ? Body extends unknown
    ? Omit<Body, 'id'>
    : never
  : never;

/** The events one record yields; the i-th gets `eventId(sessionId, rawSeq, i)`. */
class EventBatch {
  readonly events: SessionEvent[] = [];

  constructor(
    private readonly sessionId: string,
    private readonly rawSeq: number,
    private readonly processedAt: string,
  ) {}

  /**
   * Adds an event and returns its id. The body is completed in place (every caller hands a literal of
   * its own): spreading it into a new object took most of the fold's time, as the bodies' many shapes
   * send the copy down V8's slow path.
   */
  add(body: EventBodyWithoutId): string {
    const id = eventId(this.sessionId, this.rawSeq, this.events.length);
    const event = body as EventBodyWithoutId & Pick<SessionEvent, 'id' | 'processed_at'>;
    event.id = id;
    event.processed_at = this.processedAt;
    this.events.push(event as SessionEvent);
    return id;
  }
}

function startRun(next: FoldState, agentId: string, runId: string, out: EventBatch): void {
  // The same run announced again (a runner re-publishing its record after a crash) changes nothing.
  if (runId === next.run?.runId || runId === next.lastSettledRunId) return;
  flushRun(next.run, out);
  next.run = newRunFoldState(runId);
  out.add({ type: 'session.updated', outputs: { cursor_agent_id: agentId, cursor_run_id: runId } });
}

/**
 * Frames that never yield an event: `interaction_update` is an SDK-shaped copy of the other frames
 * (folding it too would double everything), `heartbeat` keeps the connection alive, `done` closes it.
 * They are not meaningful either, so they do not flush, and not worth a note even after their run settled
 * (`done` always follows the result).
 */
const FRAMES_WITHOUT_EVENTS = new Set(['interaction_update', 'heartbeat', 'done']);

function foldFrame(
  next: FoldState,
  runId: string,
  frame: CursorFrame,
  out: EventBatch,
  notes: FoldNote[],
): void {
  if (FRAMES_WITHOUT_EVENTS.has(frame.event)) return;
  const run = runFoldingFrame(next, runId);
  if (!run) {
    notes.push({ kind: 'late_frame', frameType: frame.event, runId });
    return;
  }
  const data = readFrameData(frame.data);

  switch (frame.event) {
    case 'status':
      // Terminal states come from `run.settled` only: a replayed stream has shown FINISHED for a cancelled run.
      if (readString(data, 'status')?.toUpperCase() === 'RUNNING' && !run.runningAnnounced) {
        run.runningAnnounced = true;
        out.add({ type: 'session.status_running' });
      }
      return;
    case 'assistant':
      appendAssistantText(run, readString(data, 'text') ?? '', out);
      return;
    case 'thinking':
      if (run.thinkingOpen) return;
      flushRun(run, out);
      run.thinkingOpen = true;
      out.add({ type: 'agent.thinking' });
      return;
    case 'tool_call':
      foldToolCall(run, data, out, notes);
      return;
    case 'result':
      // The run's terminal events come from the runner's `run.settled`, which also covers a stream that
      // never delivered its `result`; here the frame only closes what is open.
      flushRun(run, out);
      return;
    case 'error':
      foldStreamError(run, data, out);
      return;
    default:
      notes.push({ kind: 'unknown_frame', frameType: frame.event });
  }
}

/**
 * The run a frame is folded into, or null for a frame that comes too late: its run settled, or a newer
 * run is current. A frame arriving between runs (no run record seen) opens its run's state.
 */
function runFoldingFrame(next: FoldState, runId: string): RunFoldState | null {
  if (runId === next.lastSettledRunId) return null;
  if (next.run === null) next.run = newRunFoldState(runId);
  return next.run.runId === runId ? next.run : null;
}

function appendAssistantText(run: RunFoldState, delta: string, out: EventBatch): void {
  // An empty delta adds nothing, so it does not end a thinking stretch or a pending tool use either.
  if (delta === '') return;
  flushPendingToolUses(run, out);
  run.thinkingOpen = false;
  run.openText += delta;
  run.streamedText = true;
}

function foldToolCall(run: RunFoldState, data: FrameData, out: EventBatch, notes: FoldNote[]): void {
  const callId = readString(data, 'callId');
  if (!callId) {
    notes.push({ kind: 'malformed_frame', frameType: 'tool_call', reason: 'missing callId' });
    return;
  }
  // Other tool calls stay pending: calls can run side by side and their args keep streaming in.
  flushOpenText(run, out);
  run.thinkingOpen = false;
  // A repeated completion (or a late `running` frame) of a finished call adds nothing.
  if (run.completedToolCallIds.includes(callId)) return;

  const call = openToolCall(run, callId);
  const name = readString(data, 'name');
  if (name) call.name = name;
  const args = readToolArgs(data.args);
  if (args && call.toolUseEventId === null) call.args = { ...call.args, ...args };

  if (toolCallProgress(readString(data, 'status')) === 'running') return;

  const toolUseId = call.toolUseEventId ?? emitToolUse(call, out);
  out.add({
    type: 'agent.tool_result',
    tool_use_id: toolUseId,
    content: [{ type: 'text', text: toolResultText(data) }],
    is_error: toolCallFailed(data),
  });
  run.openToolCalls = run.openToolCalls.filter((open) => open.callId !== callId);
  run.completedToolCallIds.push(callId);
}

function openToolCall(run: RunFoldState, callId: string): OpenToolCall {
  const known = run.openToolCalls.find((open) => open.callId === callId);
  if (known) return known;
  const call: OpenToolCall = { callId, name: '', args: {}, toolUseEventId: null };
  run.openToolCalls.push(call);
  return call;
}

function foldStreamError(run: RunFoldState, data: FrameData, out: EventBatch): void {
  const code = readString(data, 'code');
  // Cursor lost the stream, not the run: the runner reconnects with Last-Event-ID and the text goes on.
  if (code === 'stream_unavailable') return;
  flushRun(run, out);
  const error: SessionErrorDetail = {
    type: sessionErrorTypeForCursorCode(code),
    message:
      readString(data, 'message') ||
      (code ? `Cursor reported "${code}" on the run stream.` : 'Cursor reported an error on the run stream.'),
    // Whether the run goes on is only known when it settles; only a rate limit says "try again" by itself.
    retry_status: { type: code === 'rate_limit_exceeded' ? 'retrying' : 'terminal' },
  };
  out.add({ type: 'session.error', error });
}

type RunSettledRecord = Extract<RawRecord, { kind: 'run.settled' }>;

const SUCCESSFUL_RUN_STATUSES = new Set(['FINISHED', 'CANCELLED']);

function settleRun(next: FoldState, record: RunSettledRecord, out: EventBatch): void {
  if (record.runId === next.lastSettledRunId) return;
  // A state saved before `streamedText` existed does not know: assume the text was streamed.
  const streamedText = next.run?.runId === record.runId && next.run.streamedText !== false;
  flushRun(next.run, out);
  const status = record.status.toUpperCase();
  const succeeded = SUCCESSFUL_RUN_STATUSES.has(status);
  // A run none of whose text was streamed (its stream expired before the runner read it: 410) still
  // says what it did: its result text, read from `result` or `GET run`, becomes the message.
  if (succeeded && record.text && !streamedText) {
    out.add({ type: 'agent.message', content: [{ type: 'text', text: record.text }] });
  }

  const branches = (record.branches ?? [])
    .filter((entry) => entry.branch || entry.prUrl)
    .map((entry) => ({
      repository: entry.repoUrl ?? '',
      branch: entry.branch ?? '',
      ...(entry.prUrl ? { pr_url: entry.prUrl } : {}),
    }));
  if (branches.length > 0) {
    out.add({ type: 'session.updated', outputs: { cursor_run_id: record.runId, branches } });
  }

  if (!succeeded) {
    out.add({
      type: 'session.error',
      error: {
        type: 'model_request_failed_error',
        message: record.text || failedRunMessage(status),
        retry_status: { type: 'terminal' },
      },
    });
  }
  out.add({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

  // Per-run data goes with the run, so the state stays small however long the session lives.
  next.run = null;
  next.lastSettledRunId = record.runId;
}

function failedRunMessage(status: string): string {
  if (status === 'EXPIRED') return 'The Cursor run expired before it finished (status EXPIRED).';
  if (status === 'ERROR') return 'The Cursor run failed (status ERROR) without saying why.';
  return `The Cursor run ended with status ${status || '(none)'}.`;
}

function endTurnOnRunnerError(
  next: FoldState,
  error: { type: string; message: string },
  out: EventBatch,
): void {
  flushRun(next.run, out);
  out.add({
    type: 'session.error',
    error: {
      type: asSessionErrorType(error.type),
      message: error.message,
      retry_status: { type: 'terminal' },
    },
  });
  out.add({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  // The session is idle now. The run is not marked settled: if its stream is ever resumed, its frames
  // start a fresh turn (with its own `session.status_running`) instead of being dropped.
  next.run = null;
}

/** Closes everything open in the run: its text becomes one `agent.message`, pending tool uses are emitted. */
function flushRun(run: RunFoldState | null, out: EventBatch): void {
  if (!run) return;
  flushOpenText(run, out);
  flushPendingToolUses(run, out);
  run.thinkingOpen = false;
}

function flushOpenText(run: RunFoldState, out: EventBatch): void {
  if (run.openText === '') return;
  out.add({ type: 'agent.message', content: [{ type: 'text', text: run.openText }] });
  run.openText = '';
}

function flushPendingToolUses(run: RunFoldState, out: EventBatch): void {
  for (const call of run.openToolCalls) {
    if (call.toolUseEventId === null) emitToolUse(call, out);
  }
}

/**
 * Emits the call's `agent.tool_use` and returns its event id. The event's `id` is its own deterministic
 * `sevt_…` id (an event's `id` cannot be two things); Cursor's `callId` stays in the raw log, and the
 * `agent.tool_result` points at this event through `tool_use_id`, as in Managed Agents.
 */
function emitToolUse(call: OpenToolCall, out: EventBatch): string {
  // Cursor names every call it streams; the fallback only keeps the event valid for a nameless frame.
  const id = out.add({ type: 'agent.tool_use', name: call.name || 'unknown', input: { ...call.args } });
  call.toolUseEventId = id;
  return id;
}
