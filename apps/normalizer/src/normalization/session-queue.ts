/** What a lane does with its records; `T` is one record as the queue holds it. */
export interface LaneHandlers<T extends { seq: number }> {
  /** True when `record` is the one the session wrote right after `previous`. */
  follows(record: T, previous: T): boolean;
  /**
   * Normalizes the leading records of `run` (a chain: each follows the one before) and settles them;
   * resolves to how many it settled from the front. 0: the first one's predecessor is not folded yet,
   * and every record of the run is left unsettled.
   */
  attempt(run: T[]): Promise<number>;
  /** Brings the session up to `record` some other way (folding its predecessors from the log). */
  catchUp(record: T): Promise<void>;
  /** Hands `record` back to the stream after it waited its predecessor for too long. */
  giveUp(record: T): void;
}

export interface SessionQueueTiming {
  /** How long a record waits in its lane for its predecessor before it is handed back. */
  patienceMs: number;
  /** After this long waiting, the record's predecessors are brought in another way (`catchUp`). */
  catchUpAfterMs: number;
  /** How often a waiting record looks again. */
  pollMs?: number;
  /** Most records handed to one `attempt`. */
  maxRun?: number;
}

interface Waiting<T> {
  record: T;
  since: number;
  caughtUp: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Runs a session's records lowest stream sequence first, and sessions side by side. Records that queued
 * up behind one another while the lane was busy go to `attempt` together, so a busy session pays for
 * one fold-state save per run instead of one per record; a quiet one still goes record by record, at
 * once.
 *
 * A record whose predecessor is not folded yet waits in its lane instead of going back to the stream at
 * once: after a burst (a runner catching up after a failover) a session's records are spread over the
 * replicas, and handing each early one back makes them arrive in random order again and again, while
 * the records that are due wait behind the redeliveries. Past a short wait the record's predecessors are
 * brought in another way (`catchUp`); past the patience it is handed back.
 */
export class SessionQueue<T extends { seq: number }> {
  private readonly lanes = new Map<string, Waiting<T>[]>();
  private readonly pollMs: number;
  private readonly maxRun: number;

  constructor(
    private readonly handlers: LaneHandlers<T>,
    private readonly timing: SessionQueueTiming,
  ) {
    this.pollMs = timing.pollMs ?? 25;
    this.maxRun = timing.maxRun ?? 256;
  }

  /** Resolves once the record was normalized or handed back. */
  run(sessionId: string, record: T): Promise<void> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(sessionId);
      const isNew = !lane;
      if (!lane) this.lanes.set(sessionId, (lane = []));
      insertBySeq(lane, { record, since: Date.now(), caughtUp: false, resolve, reject });
      if (isNew) void this.drain(sessionId, lane);
    });
  }

  private async drain(sessionId: string, lane: Waiting<T>[]): Promise<void> {
    while (lane.length > 0) {
      const run = lane.splice(0, this.chainLength(lane));
      let settled: number;
      try {
        settled = await this.handlers.attempt(run.map((waiting) => waiting.record));
      } catch (error) {
        for (const waiting of run) waiting.reject(error);
        continue;
      }
      for (const waiting of run.slice(0, settled)) waiting.resolve();
      // The rest go back in order, beside anything that arrived meanwhile.
      for (const waiting of run.slice(settled === 0 ? 1 : settled)) insertBySeq(lane, waiting);
      if (settled > 0) continue;
      try {
        await this.waitForPredecessor(lane, run[0]);
      } catch (error) {
        run[0].reject(error);
      }
    }
    this.lanes.delete(sessionId);
  }

  /** How many records from the front of the lane form a chain (the first alone at least). */
  private chainLength(lane: Waiting<T>[]): number {
    let length = 1;
    while (
      length < lane.length &&
      length < this.maxRun &&
      this.handlers.follows(lane[length].record, lane[length - 1].record)
    ) {
      length++;
    }
    return length;
  }

  /** The lane's first record is ahead of its turn: catch up, hand it back, or let it wait a little. */
  private async waitForPredecessor(lane: Waiting<T>[], first: Waiting<T>): Promise<void> {
    const waited = Date.now() - first.since;
    if (!first.caughtUp && waited >= this.timing.catchUpAfterMs) {
      first.caughtUp = true;
      await this.handlers.catchUp(first.record);
      insertBySeq(lane, first);
    } else if (waited >= this.timing.patienceMs) {
      this.handlers.giveUp(first.record);
      first.resolve();
    } else {
      // A lower record may arrive meanwhile: it goes first, as the lane is kept in order.
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      insertBySeq(lane, first);
    }
  }
}

function insertBySeq<T extends { seq: number }>(list: Waiting<T>[], item: Waiting<T>): void {
  let i = list.length;
  while (i > 0 && list[i - 1].record.seq > item.record.seq) i--;
  list.splice(i, 0, item);
}
