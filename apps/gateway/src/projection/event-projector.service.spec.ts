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
  async lastSeq(): Promise<number> {
    return this.messages.at(-1)?.seq ?? 0;
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
  async reachable(): Promise<void> {}
  async project(batches: SessionBatches, checkpoint: CheckpointAfter): Promise<Map<string, string[]>> {
    const seqs = [...batches.values()].flat().map((event) => event.seq);
    const error = this.fail?.(seqs);
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
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeEach(() => {
    stream = new FakeStream();
    fanout = new FakeFanout();
    leases = new FakeLeases();
    projection = new FakeProjection(leases, () => stream.messages.map((m) => m.seq));
    legacyFloor = undefined;
    legacyDeleted = false;
  });
  afterEach(() => projector?.onModuleDestroy());

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
    start();
    await waitFor(() => fanout.feed !== undefined, { what: 'leading' });
    publishLive(1, undefined);
    await projectedAll(1);
    publishLive(2, 1);
    // 3 is stored but the feed never brings it; 4 follows it.
    stream.messages.push(message(3));
    publishLive(4, 3);
    await projectedAll(4);
    expect(projection.order).toEqual([1, 2, 3, 4]);
  });

  it('never moves the checkpoint past an event of a session set aside, also when it is retried piece by piece', async () => {
    // sesn_s's row is locked twice (the session is set aside and retried); then its batch fails as a
    // whole because of event 2, which PostgreSQL refuses on its own: it is left out, 3 and 5 are not.
    let locks = 2;
    projection.fail = (seqs) => {
      if (seqs.includes(1) && locks > 0) {
        locks--;
        return Object.assign(new Error('lock timeout'), { code: '55P03' });
      }
      if (seqs.includes(2)) return Object.assign(new Error('invalid byte sequence'), { code: '22021' });
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
});
