/** NATS message headers carried on the platform's streams. */
export const Header = {
  /** The session the message belongs to (every stream). */
  SessionId: 'Lap-Session-Id',
  /** The normalized event's id, `sevt_…` (events stream). */
  EventId: 'Lap-Event-Id',
  /** The normalized event's type, e.g. `agent.message` (events stream). */
  EventType: 'Lap-Event-Type',
  /**
   * The event's place among its session's events, counting from 1 (events stream). A reader that sees
   * a number more than one past the last it holds knows it missed an event.
   */
  EventNumber: 'Lap-Event-Number',
  /**
   * The stream sequence of the previous record on the same subject, 0 for the first (raw stream). A
   * reader that sees a gap between this and the last sequence it holds knows it missed one.
   */
  PrevSeq: 'Lap-Prev-Seq',
  /**
   * Which writer (runner process and lease) appended the record (raw stream): a duplicate answered
   * for a record another writer stored past our position means we were fenced out.
   */
  Writer: 'Lap-Writer',
  /** The raw record kind (raw stream). */
  RecordKind: 'Lap-Record-Kind',
  /*
   * Where the session stands after this raw record (raw stream). Carried on every raw record, so the
   * newest one alone tells a runner taking over a session what to resume.
   */
  CommandId: 'Lap-Command-Id',
  CursorAgentId: 'Lap-Cursor-Agent-Id',
  CursorRunId: 'Lap-Cursor-Run-Id',
  /** `live` while the run is going, `settled` once its terminal state is recorded. */
  RunState: 'Lap-Run-State',
  /** The id of the newest Cursor frame recorded for the run: the resume point (`Last-Event-ID`). */
  CursorLastEventId: 'Lap-Cursor-Last-Event-Id',
  /**
   * `true` when an interrupt was taken while the message's Cursor run was being created: the run is
   * cancelled as soon as it exists, by whichever runner creates or resumes it.
   */
  InterruptedBeforeRun: 'Lap-Interrupted-Before-Run',
} as const;

/**
 * Whether an event numbered `number` can come right after the one numbered `last` with none missing in
 * between (it is the next one, or one already had). An unknown number on either side (an event not
 * numbered, a reader that does not know where it stands) is taken as following.
 */
export function followsEventNumber(number: number | undefined, last: number | null | undefined): boolean {
  return number === undefined || last === undefined || last === null || number <= last + 1;
}

/** A `Lap-Event-Number` header value as a number; undefined when absent or not a whole number. */
export function eventNumberOf(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}
