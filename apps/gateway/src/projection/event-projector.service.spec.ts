import { performance } from 'node:perf_hooks';
import { Header, natsNames } from '@lap/contracts';
import { waitFor } from '@lap/testing';
import type { EventFanout, FedMessage, StreamFeed } from '../events/event-fanout.service';
import { recordLookup } from '../events/logged-event';
import type { EventStreamReader } from './event-stream.reader';
import { EventProjector } from './event-projector.service';
import type { LegacyProjectorConsumer } from './legacy-projector-consumer';
import {
  ProjectionLeaseLostError,
  type ProjectionLease,
  type ProjectionLeaseRepository,
} from './projection-lease.repository';
import type { CheckpointAfter, ProjectionRepository, SessionBatches } from './projection.repository';

/** A message of session `sessionId` at `seq`, numbered `seq` in it. */
function message(seq: number, sessionId = 'sesn_a', previousSeq?: number): FedMessage {
  const event = {
    id: `sevt_${seq}`,
    type: 'agent.message',
    content: [],
    processed_at: '2026-01-01T00:00:00Z',
  };
  return {
    previousSeq,
    seq,
    subject: `lap.events.${sessionId}`,
    sessionId,
    header: recordLookup({ [Header.EventNumber]: String(seq) }),
    data: Buffer.from(JSON.stringify(event)),
  };
}

/** The stream: what read-backs get. `gate` holds the next read until it resolves. */
class FakeStream {
  messages: FedMessage[] = [];
  emptyReads = 0;
  gate?: Promise<void>;
  async bounds(): Promise<{ first: number; last: number }> {
    return { first: this.messages[0]?.seq ?? 1, last: this.messages.at(-1)?.seq ?? 0 };
  }
  async readAfter(afterSeq: number, max: number): Promise<FedMessage[]> {
    await this.gate;
    if (this.emptyReads > 0) {
      this.emptyReads--;
      return [];
    }
    return this.messages.filter((m) => m.seq > afterSeq).slice(0, max);
  }
}

class FakeFanout {
  feed?: StreamFeed;
  feedEvery(feed: StreamFeed | undefined): void {
    this.feed = feed;
  }
}

/** The lease row: one holder, the checkpoint, and whether anyone may take it. */
class FakeLeases {
  holder?: string;
  checkpoint = 0;
  /** When set, the lease is someone else's and nobody here gets it. */
  takenBy?: string;
  released = 0;
  async acquire(lease: ProjectionLease): Promise<number | undefined> {
    if (this.takenBy) return undefined;
    this.holder = lease.holder;
    return this.checkpoint;
  }
  async moveCheckpoint(lease: ProjectionLease, seq: number): Promise<void> {
    if (this.takenBy || this.holder !== lease.holder) throw new ProjectionLeaseLostError(lease);
    this.checkpoint = Math.max(this.checkpoint, seq);
  }
  async release(lease: ProjectionLease): Promise<void> {
    if (this.holder === lease.holder) this.holder = undefined;
    this.released++;
  }
}

/** PostgreSQL: what is projected, by sequence; `fail` decides a transaction's error, if any. */
class FakeProjection {
  readonly projected = new Set<number>();
  /** Sequences in the order first projected. */
  readonly order: number[] = [];
  /** After each commit: was every event up to the checkpoint projected? */
  readonly checkpointViolations: string[] = [];
  fail?: (seqs: number[]) => unknown;
  constructor(
    private readonly leases: FakeLeases,
    private readonly everySeq: () => number[],
  ) {}
  /** How long a transaction waits for a locked row before failing, by the lock timeout asked for. */
  lockWaitMs?: (lockTimeoutMs: number | undefined) => number;
  async project(
    batches: SessionBatches,
    checkpoint: CheckpointAfter,
    options: { lockTimeoutMs?: number } = {},
  ): Promise<Map<string, string[]>> {
    const seqs = [...batches.values()].flat().map((event) => event.seq);
    const error = this.fail?.(seqs);
    if (error && isLockTimeout(error) && this.lockWaitMs) {
      await new Promise((resolve) => setTimeout(resolve, this.lockWaitMs!(options.lockTimeoutMs)));
    }
    if (error) throw error;
    await this.leases.moveCheckpoint(checkpoint.lease, checkpoint.seq);
    for (const seq of seqs) {
      if (!this.projected.has(seq)) this.order.push(seq);
      this.projected.add(seq);
    }
    const missing = this.everySeq().filter(
      (seq) => seq <= this.leases.checkpoint && !this.projected.has(seq),
    );
    if (missing.length)
      this.checkpointViolations.push(`checkpoint ${this.leases.checkpoint}, missing ${missing}`);
    return new Map([...batches].map(([id, events]) => [id, events.map(() => 'applied')]));
  }
}

const lockTimeout = () =>
  Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
const isLockTimeout = (error: unknown) => (error as { code?: string }).code === '55P03';
const refused = () => Object.assign(new Error('invalid byte sequence'), { code: '22021' });
const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('EventProjector', () => {
  let stream: FakeStream;
  let fanout: FakeFanout;
  let leases: FakeLeases;
  let projection: FakeProjection;
  let legacyFloor: number | undefined;
  let legacyDeleted: boolean;
  let projector: EventProjector;

  const start = () => {
    projector = new EventProjector(
      natsNames('lap'),
      fanout as unknown as EventFanout,
      stream as unknown as EventStreamReader,
      {
        ackFloor: async () => legacyFloor,
        delete: async () => void (legacyDeleted = true),
      } as unknown as LegacyProjectorConsumer,
      leases as unknown as ProjectionLeaseRepository,
      projection as unknown as ProjectionRepository,
    );
    projector.onApplicationBootstrap();
  };
  /** Publishes `seq` to the stream and hands it to the live feed as the fan-out would. */
  const publishLive = (seq: number, previousSeq: number | undefined, sessionId = 'sesn_a') => {
    const fed = message(seq, sessionId, previousSeq);
    stream.messages.push(fed);
    fanout.feed?.(fed);
  };
  const projectedAll = (last: number) =>
    waitFor(() => projection.projected.size === last && leases.checkpoint === last, {
      what: `events 1…${last} projected and the checkpoint at ${last}`,
      timeoutMs: 10_000,
    });
  /** Starts, and has event 1 come through the live feed (the first it ever brings) and projected. */
  const startWithOneLiveEvent = async () => {
    start();
    await waitFor(() => fanout.feed !== undefined, { what: 'leading' });
    publishLive(1, undefined);
    await projectedAll(1);
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeEach(() => {
    stream = new FakeStream();
    fanout = new FakeFanout();
    leases = new FakeLeases();
    projection = new FakeProjection(leases, () => stream.messages.map((m) => m.seq));
    legacyFloor = undefined;
    legacyDeleted = false;
  });
  afterEach(async () => {
    await projector?.onModuleDestroy();
    jest.restoreAllMocks();
  });

  it('reads back the history first, even when the first live event comes during the read-back', async () => {
    stream.messages = range(1, 5).map((seq) => message(seq));
    let open!: () => void;
    stream.gate = new Promise((resolve) => (open = resolve));
    start();
    await waitFor(() => fanout.feed !== undefined, { what: 'leading' });
    // The fan-out's first message ever follows nothing it knows (its start is the stream's end).
    publishLive(6, undefined);
    open();
    await projectedAll(6);
    expect(projection.order).toEqual(range(1, 6));
    publishLive(7, 6);
    await projectedAll(7);
    expect(projection.checkpointViolations).toEqual([]);
  });

  it('reads back again what a read-back did not get (NATS slow to deliver), skipping nothing', async () => {
    stream.messages = range(1, 3).map((seq) => message(seq));
    stream.emptyReads = 2;
    start();
    await projectedAll(3);
    expect(projection.order).toEqual([1, 2, 3]);
  });

  it('takes live events in order, and reads back the ones its feed missed', async () => {
    await startWithOneLiveEvent();
    publishLive(2, 1);
    // 3 is stored but the feed never brings it; 4 follows it.
    stream.messages.push(message(3));
    publishLive(4, 3);
    await projectedAll(4);
    expect(projection.order).toEqual([1, 2, 3, 4]);
  });

  it('keeps what the feed brings while a read-back fills a gap, and reads back only what it missed', async () => {
    // The feed counts as working for 500 ms after it delivered; the monotonic clock runs at a tenth of
    // its speed here, so that a slow machine cannot make it silent between the read-back's rounds.
    const realNow = performance.now.bind(performance);
    const startedAt = realNow();
    jest.spyOn(performance, 'now').mockImplementation(() => startedAt + (realNow() - startedAt) / 10);
    await startWithOneLiveEvent();
    // 2 is stored but never fed. While its read-back is held up, the feed brings 3…3,000: more than
    // are kept ahead (2,000). 3,001…5,000 are stored already, the feed a little behind them.
    let open!: () => void;
    stream.gate = new Promise((resolve) => (open = resolve));
    stream.messages.push(message(2));
    for (let seq = 3; seq <= 3_000; seq++) publishLive(seq, seq - 1);
    stream.messages.push(...range(3_001, 5_000).map((seq) => message(seq, 'sesn_a', seq - 1)));
    open();
    await waitFor(() => projection.projected.has(3_000), { what: 'event 3,000 projected' });
    for (let seq = 3_001; seq <= 5_000; seq++) fanout.feed!(stream.messages[seq - 1]);
    await projectedAll(5_000);
    expect(projection.order).toEqual(range(1, 5_000));
    // 2, and the 998 the feed brought once 2,000 were kept: not the ones it had yet to bring.
    expect(projector.stats().eventsReadBack).toBe(999);
  });

  it('after losing the lease and taking it again at once, reads back at once what the feed brought meanwhile', async () => {
    stream.messages = range(1, 3).map((seq) => message(seq));
    start();
    await projectedAll(3);
    const moveCheckpoint = leases.moveCheckpoint.bind(leases);
    let steals = 1;
    leases.moveCheckpoint = async (lease, seq) => {
      if (steals-- > 0) throw new ProjectionLeaseLostError(lease);
      return moveCheckpoint(lease, seq);
    };
    const reads: number[][] = [];
    const readAfter = stream.readAfter.bind(stream);
    stream.readAfter = async (afterSeq, max) => {
      const read = await readAfter(afterSeq, max);
      reads.push(read.map((m) => m.seq));
      return read;
    };
    // 4's commit finds the lease gone; 5 reaches the fan-out while the projection is detached from it.
    publishLive(4, 3);
    stream.messages.push(message(5, 'sesn_a', 4));
    await projectedAll(5);
    expect(steals).toBeLessThan(0);
    // The first read-back under the new lease reads both (not 4 alone, 5 after a quiet second).
    expect(reads[0]).toEqual([4, 5]);
  });

  it('reads back to the stream’s end when its feed falls silent with events stored after it', async () => {
    // The other side of stopping at the feed's last message: a feed that may be stuck is not waited for.
    await startWithOneLiveEvent();
    // The feed brings 2, then nothing more: 3…5 are stored all the same.
    publishLive(2, 1);
    stream.messages.push(...range(3, 5).map((seq) => message(seq)));
    await projectedAll(5);
    expect(projection.order).toEqual(range(1, 5));
  });

  it('never moves the checkpoint past an event of a session set aside, also when it is retried piece by piece', async () => {
    // sesn_s's row is locked twice (the session is set aside and retried); then its batch fails as a
    // whole because of event 2, which PostgreSQL refuses on its own: it is left out, 3 and 5 are not.
    let locks = 2;
    projection.fail = (seqs) => {
      if (seqs.includes(1) && locks > 0) {
        locks--;
        return lockTimeout();
      }
      if (seqs.includes(2)) return refused();
      return undefined;
    };
    stream.messages = [
      message(1, 'sesn_s'),
      message(2, 'sesn_s'),
      message(3, 'sesn_s'),
      message(4, 'sesn_t'),
      message(5, 'sesn_s'),
      message(6, 'sesn_t'),
    ];
    start();
    await waitFor(() => projection.projected.size === 5 && leases.checkpoint === 6, {
      what: 'every event but the refused one projected, the checkpoint past them',
      timeoutMs: 15_000,
    });
    expect([...projection.projected].sort((a, b) => a - b)).toEqual([1, 3, 4, 5, 6]);
    // Everything up to the checkpoint was projected after every commit, the refused event aside.
    expect(projection.checkpointViolations.filter((v) => !/missing 2$/.test(v))).toEqual([]);
  });

  it('stops projecting when a commit finds the lease gone, and starts again from the checkpoint', async () => {
    stream.messages = range(1, 2).map((seq) => message(seq));
    start();
    await projectedAll(2);
    leases.takenBy = 'another replica';
    publishLive(3, 2);
    await waitFor(() => !projector.stats().leading, { what: 'no longer leading' });
    expect(projection.projected.has(3)).toBe(false);
    leases.takenBy = undefined;
    await projectedAll(3);
    expect(projection.checkpointViolations).toEqual([]);
  });

  it('starts where the former durable consumer had got to, and deletes it', async () => {
    stream.messages = range(1, 5).map((seq) => message(seq));
    legacyFloor = 3;
    start();
    await waitFor(() => leases.checkpoint === 5, { what: 'the checkpoint at 5' });
    expect(projection.order).toEqual([4, 5]);
    expect(legacyDeleted).toBe(true);
  });

  it('releases the lease when it stops, so another replica need not wait for it to expire', async () => {
    start();
    await waitFor(() => projector.stats().leading, { what: 'leading' });
    await projector.onModuleDestroy();
    expect(leases.released).toBe(1);
    expect(fanout.feed).toBeUndefined();
  });

  it('holds at most 10,000 events in memory while a session row stays locked', async () => {
    stream.messages = range(1, 25_000).map((seq) => message(seq, 'sesn_s'));
    projection.fail = () => lockTimeout();
    start();
    await waitFor(() => projector.stats().parked >= 10_000, { what: '10,000 parked', timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(projector.stats().parked + projector.stats().held).toBeLessThanOrEqual(10_000);
    expect(leases.checkpoint).toBe(0);
  });

  it('projects the other sessions while two session rows stay locked', async () => {
    stream.messages = [message(1, 'sesn_x'), message(2, 'sesn_y')];
    projection.fail = (seqs) => (seqs.includes(1) || seqs.includes(2) ? lockTimeout() : undefined);
    // A transaction waits for the lock as long as it was told to; 1.5 s stands for the 5 s default.
    projection.lockWaitMs = (lockTimeoutMs) => lockTimeoutMs ?? 1_500;
    start();
    await waitFor(() => projector.stats().parked === 2, {
      what: 'both sessions set aside',
      timeoutMs: 10_000,
    });
    publishLive(3, 2, 'sesn_t');
    await waitFor(() => projection.projected.has(3), {
      what: 'the other session projected',
      timeoutMs: 5_000,
    });
    expect(leases.checkpoint).toBe(0);
  });

  it('sets each event aside once when the database drops out in the middle of a split batch', async () => {
    stream.messages = [message(1, 'sesn_s'), message(2, 'sesn_s'), message(3, 'sesn_t')];
    let outages = 1;
    projection.fail = (seqs) => {
      if (seqs.includes(1)) return lockTimeout();
      if (seqs.length === 1 && seqs[0] === 3 && outages-- > 0) return connectionRefused();
      return undefined;
    };
    start();
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, projector.stats().parked)), 5);
    try {
      await waitFor(() => projection.projected.has(3), {
        what: 'the other session projected',
        timeoutMs: 10_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(2);
  });

  it('lingers by a monotonic clock: a wall clock stepped back does not hold a batch', async () => {
    await startWithOneLiveEvent();
    const realNow = Date.now.bind(Date);
    const stepped = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 60_000);
    try {
      publishLive(2, 1);
      await waitFor(() => projection.projected.has(2), { what: 'event 2 projected', timeoutMs: 3_000 });
    } finally {
      stepped.mockRestore();
    }
  });

  it.each([1, 2, 3])(
    'keeps the checkpoint behind every event not projected, and each session in order, through random failures (seed %i)',
    async (firstSeed) => {
      let seed = firstSeed;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      const sessions = ['sesn_a', 'sesn_b', 'sesn_c', 'sesn_d'];
      const sessionOf = new Map<number, string>();
      const applied = new Map<string, number[]>();
      const poison = 37;
      const project = projection.project.bind(projection);
      projection.project = async (batches, checkpoint, options) => {
        const seqs = [...batches.values()].flat().map((event) => event.seq);
        if (seqs.includes(poison)) throw refused();
        const draw = random();
        if (batches.has('sesn_c') && draw < 0.3) throw lockTimeout();
        if (draw > 0.95) throw connectionRefused();
        const outcomes = await project(batches, checkpoint, options);
        for (const [id, events] of batches) {
          const list = applied.get(id) ?? [];
          for (const event of events) if (event.seq > (list.at(-1) ?? 0)) list.push(event.seq);
          applied.set(id, list);
        }
        return outcomes;
      };
      start();
      await waitFor(() => fanout.feed !== undefined, { what: 'leading' });
      let last: number | undefined;
      for (let seq = 1; seq <= 120; seq++) {
        const id = sessions[Math.floor(random() * sessions.length)];
        sessionOf.set(seq, id);
        const fed = message(seq, id, last);
        stream.messages.push(fed);
        // One in twenty never reaches the live feed: read back.
        if (random() > 0.05) fanout.feed?.(fed);
        last = seq;
        if (random() < 0.2) await new Promise((resolve) => setTimeout(resolve, 30));
      }
      await waitFor(() => leases.checkpoint === 120 && projector.stats().parked === 0, {
        what: 'the checkpoint at 120, nothing set aside',
        timeoutMs: 60_000,
      });
      expect(
        projection.checkpointViolations.filter((v) => !new RegExp(`missing ${poison}$`).test(v)),
      ).toEqual([]);
      for (const id of sessions) {
        const expected = [...sessionOf].filter(([seq, s]) => s === id && seq !== poison).map(([seq]) => seq);
        expect({ id, applied: applied.get(id) ?? [] }).toEqual({ id, applied: expected });
      }
    },
    90_000,
  );
});
