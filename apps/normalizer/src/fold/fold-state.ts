/**
 * What the normalizer remembers about one session between two raw records. It lives in a JetStream KV
 * entry per session (updated with compare-and-set), so it must stay plain JSON and small: everything
 * that belongs to one run is dropped when that run settles.
 */
export interface FoldState {
  /** Stream sequence of the last raw record folded; 0 before the first one. */
  lastRawSeq: number;
  /** Stream sequence of the last event published on `<P>.events.<sessionId>`. Kept by the caller. */
  lastEventSeq: number;
  /**
   * The `Lap-Event-Number` of the event at `seq` (how many events the session had then). Kept by the
   * caller. Trusted only while `seq` is `lastEventSeq`: a normalizer from before events were numbered
   * leaves it out, or (copying the state it read) moves `lastEventSeq` without it.
   */
  numbered?: { seq: number; number: number };
  /** The run frames are currently folded for; null between runs. */
  run: RunFoldState | null;
  /** The last run that settled, so a repeated `run.settled` or a late frame of that run emits nothing. */
  lastSettledRunId: string | null;
}

export interface RunFoldState {
  runId: string;
  /** `session.status_running` was emitted for this run (a reconnect re-sends the RUNNING status frame). */
  runningAnnounced: boolean;
  /** Assistant text deltas received since the last `agent.message`. */
  openText: string;
  /**
   * Some assistant text of this run reached the stream. When none did (its stream expired before it was
   * read), the run's result text is the only record of what the agent said. Absent in states saved
   * before this field existed.
   */
  streamedText?: boolean;
  /** An `agent.thinking` was emitted and no other meaningful frame has arrived since. */
  thinkingOpen: boolean;
  /** Tool calls seen but not completed yet, in the order they were first seen. */
  openToolCalls: OpenToolCall[];
  /** Completed tool calls: only their ids are kept, to ignore duplicated completion frames. */
  completedToolCallIds: string[];
}

export interface OpenToolCall {
  callId: string;
  name: string;
  /** The args merged from every frame of this call so far (later frames win key by key). */
  args: Record<string, unknown>;
  /**
   * The id of the `agent.tool_use` event once emitted (later frames can no longer change its input), so
   * the `agent.tool_result` can name it in `tool_use_id`; null while the call is pending.
   */
  toolUseEventId: string | null;
}

export function initialFoldState(): FoldState {
  return {
    lastRawSeq: 0,
    lastEventSeq: 0,
    numbered: { seq: 0, number: 0 },
    run: null,
    lastSettledRunId: null,
  };
}

export function newRunFoldState(runId: string): RunFoldState {
  return {
    runId,
    runningAnnounced: false,
    openText: '',
    streamedText: false,
    thinkingOpen: false,
    openToolCalls: [],
    completedToolCallIds: [],
  };
}

/**
 * A copy of `state` the fold may change: every object and array it changes in place is copied, and
 * what it only ever replaces (a tool call's `args`) is shared. 0.07 µs against 2.3 µs for
 * `structuredClone`, once per record. A test folds every kind of record over deeply frozen states.
 */
export function copyFoldState(state: FoldState): FoldState {
  const { run, numbered } = state;
  const copy: FoldState = { ...state };
  if (numbered) copy.numbered = { ...numbered };
  if (run) {
    copy.run = {
      ...run,
      openToolCalls: run.openToolCalls.map((call) => ({ ...call })),
      completedToolCallIds: [...run.completedToolCallIds],
    };
  }
  return copy;
}
