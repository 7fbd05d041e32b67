/** One record's turn in its session's lane. */
export interface QueuedRecord {
  /** The record's stream sequence: a lane always tries its lowest one first. */
  seq: number;
  /** Normalizes the record; false when its predecessor is not folded yet (the record is left unsettled). */
  attempt(): Promise<boolean>;
  /** Brings the session up to this record some other way (folding its predecessors from the log). */
  catchUp(): Promise<void>;
  /** Hands the record back to the stream after it waited its predecessor for too long. */
  giveUp(): void;
}

interface Waiting extends QueuedRecord {
  since: number;
  caughtUp: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

interface Lane {
  pending: Waiting[];
}

/**
 * Runs a session's records one at a time, lowest stream sequence first, and sessions side by side.
 * A record whose predecessor is not folded yet waits in its lane instead of going back to the stream at
 * once: after a burst (a runner catching up after a failover) a session's records are spread over the
 * replicas, and handing each early one back makes them arrive in random order again and again, while
 * the records that are due wait behind the redeliveries. Past a short wait the record's predecessors are
 * brought in another way (`catchUp`); past the patience it is handed back.
 */
export class SessionQueue {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    /** How long a record waits in its lane for its predecessor before it is handed back. */
    private readonly patienceMs: number,
    /** After this long waiting, the record's predecessors are brought in another way (`catchUp`). */
    private readonly catchUpAfterMs: number,
    /** How often a waiting record looks again. */
    private readonly pollMs = 25,
  ) {}

  /** Resolves once the record was normalized or handed back. */
  run(sessionId: string, record: QueuedRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(sessionId);
      const isNew = !lane;
      if (!lane) this.lanes.set(sessionId, (lane = { pending: [] }));
      insertBySeq(lane.pending, { ...record, since: Date.now(), caughtUp: false, resolve, reject });
      if (isNew) void this.drain(sessionId, lane);
    });
  }

  private async drain(sessionId: string, lane: Lane): Promise<void> {
    while (lane.pending.length > 0) {
      const next = lane.pending.shift()!;
      try {
        const waited = Date.now() - next.since;
        if (await next.attempt()) {
          next.resolve();
        } else if (!next.caughtUp && waited >= this.catchUpAfterMs) {
          next.caughtUp = true;
          await next.catchUp();
          lane.pending.unshift(next);
        } else if (waited >= this.patienceMs) {
          next.giveUp();
          next.resolve();
        } else {
          // A lower record may arrive meanwhile: it goes first, as the lane is kept in order.
          await new Promise((resolve) => setTimeout(resolve, this.pollMs));
          insertBySeq(lane.pending, next);
        }
      } catch (error) {
        next.reject(error);
      }
    }
    this.lanes.delete(sessionId);
  }
}

function insertBySeq<T extends { seq: number }>(list: T[], item: T): void {
  let i = list.length;
  while (i > 0 && list[i - 1].seq > item.seq) i--;
  list.splice(i, 0, item);
}
