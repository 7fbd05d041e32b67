import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { eventNumberOf, Header, type NatsNames, type SessionEvent } from '@lap/contracts';
import { isDatabaseUnavailable, isTransactionConflict } from '@lap/db';
import { decodeText, sleep } from '@lap/messaging';
import { EventFanout, type FedMessage } from '../events/event-fanout.service';
import { NATS_NAMES } from '../messaging/nats-names.token';
import type { EventToProject } from './batch-fold';
import { EventStreamReader } from './event-stream.reader';
import { LegacyProjectorConsumer } from './legacy-projector-consumer';
import {
  ProjectionLeaseLostError,
  ProjectionLeaseRepository,
  type ProjectionLease,
} from './projection-lease.repository';
import { ParkedSessions, type DueSession } from './parked-sessions';
import { ProjectionRepository } from './projection.repository';

/** How long the lease lasts unless renewed: how long projecting stops when its replica dies unannounced. */
const LEASE_TTL_MS = 5_000;
/** How often the replica projecting renews its lease, and how often the others ask for it. */
const LEASE_RENEW_MS = 1_000;
/** Most events written in one transaction. */
const MAX_BATCH = 1_000;
/**
 * How long the first event of a batch waits for others to join it. Nothing a client streams waits for
 * the projection (SSE comes from NATS), and one transaction for tens of events instead of one each is
 * most of what the projection costs the gateway and PostgreSQL: at 1,000 events/s, 50 ms instead of
 * 25 took PostgreSQL's CPU per event from about 120 µs to 80 and the gateway's down by 20–80 µs. A REST
 * read waits for the projection (ProjectionCatchUp), so this is also how stale it can find it.
 */
const LINGER_MS = 50;
/**
 * Most events held in memory, not projected yet (up to MAX_AHEAD more when the messages kept ahead are
 * taken). Past it, live events are let go and read back from the stream once there is room: a database
 * outage costs the stream's retention, not the gateway's memory.
 */
const MAX_HELD = 10_000;
const MAX_DATABASE_RETRY_MS = 30_000;
/**
 * How soon a session's events are tried again after its row was locked elsewhere: 1 s, then twice
 * as long each time it still is, up to 10 s. A retry waits for the lock only briefly, so sessions
 * that stay locked take little from the others.
 */
const FIRST_CONFLICT_RETRY_MS = 1_000;
const MAX_CONFLICT_RETRY_MS = 10_000;
const PARKED_LOCK_TIMEOUT_MS = 100;
/**
 * Attempts at an event PostgreSQL refuses on its own (one no publisher of ours writes: a NUL in its
 * type, say) before it is left out of the projection, 200 ms, 400 ms … apart (about 3 s in all): it
 * stays in JetStream, where SSE and other subscribers read it.
 */
const MAX_REFUSALS = 5;
const FIRST_REFUSAL_RETRY_MS = 200;
/** A read-back that got nothing (NATS slow, or the messages deleted) is tried again after this. */
const READ_BACK_RETRY_MS = 1_000;
/**
 * A live feed that delivered within this long is taken to be working: a read-back stops at the last
 * message it delivered, as the feed brings the rest. Silent for longer (it may be stuck), a read-back
 * goes to the stream's end. Shorter than the quiet second (LEASE_RENEW_MS) that sends for a read-back.
 */
const FEED_SILENT_MS = 500;
/**
 * Most live messages kept while a read-back fills the gap before them (on top of MAX_HELD). A round
 * of read-back takes tens of milliseconds, in which the feed brings a few hundred at full speed.
 */
const MAX_AHEAD = 2_000;
/** A piece of a batch projected apart: fenced by the lease, but the checkpoint stays (GREATEST keeps it). */
const CHECKPOINT_UNMOVED = 0;

/** An event taken in, with its session. */
interface HeldEvent extends EventToProject {
  sessionId: string;
}

/**
 * Projects `<P>_EVENTS` into PostgreSQL: every event into `session_events`, and its effect (status,
 * outputs, last sequence) onto its session, in stream order.
 *
 * One gateway replica projects, the one holding the lease in `projection_checkpoints`; it reads the
 * stream through its fan-out's subscription, which receives every event anyway, so no event is
 * delivered to the gateway twice. Events its feed did not bring (published while no replica
 * projected, or let go while too many were held) are read back from the stream, from the checkpoint
 * on. Each transaction moves the checkpoint, under the lease: another replica takes over from there
 * when the lease expires or is released, and projecting an event again changes nothing.
 */
@Injectable()
export class EventProjector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventProjector');
  private readonly lease: ProjectionLease;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private renewal?: NodeJS.Timeout;
  private leading = false;
  /** Set when a renewal finds the lease taken: the loop steps down. */
  private leaseLost = false;
  /** The newest stream sequence taken in: every message up to it is projected, held, parked or no event. */
  private tail = 0;
  /** Every event up to it is projected, parked or left out: the batches taken so far reach it. */
  private through = 0;
  /** The live feed missed messages after `tail`: they are to be read back from the stream. */
  private behind = true;
  /** The last message the live feed delivered (taken or not), and when (two fields: set per message). */
  private fedSeq = 0;
  private fedAt = Number.NEGATIVE_INFINITY;
  /**
   * Live messages that came after a gap in what was taken, one after another: taken once a read-back
   * has filled the gap. Dropping them instead would leave the read-back chasing the feed under load,
   * each round letting go of what the feed brought meanwhile.
   */
  private ahead: FedMessage[] = [];
  /** Taken in, not projected yet, in stream order. */
  private held: HeldEvent[] = [];
  /** When the oldest held event was taken in. */
  private heldSince = 0;
  /** Sessions whose row another transaction kept locked: their events, in order, tried again after a pause. */
  private readonly parked = new ParkedSessions<HeldEvent>();
  /** Over the process's life: events in committed transactions, taken by read-back, left out. */
  private readonly counts = { eventsProjected: 0, eventsReadBack: 0, eventsLeftOut: 0 };
  /** Live events are let go for want of room (logged once per episode). */
  private overflowing = false;
  /** When both wait, held events and parked sessions take turns. */
  private parkedTurn = false;
  /** The parked session being tried again: locked again, it is parked again, later, without a warning. */
  private retrying?: { sessionId: string; retryMs: number };
  private databaseFailures = 0;
  /** Counts leaderships, so that a renewal answered after its leadership ended changes nothing. */
  private leadership = 0;
  private renewing?: Promise<void>;
  private wake?: () => void;

  constructor(
    @Inject(NATS_NAMES) names: NatsNames,
    private readonly fanout: EventFanout,
    private readonly stream: EventStreamReader,
    private readonly legacyConsumer: LegacyProjectorConsumer,
    private readonly leases: ProjectionLeaseRepository,
    private readonly projection: ProjectionRepository,
  ) {
    this.lease = { stream: names.streams.events, holder: `${hostname()}/${process.pid}/${randomUUID()}` };
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.stopLeading();
      await this.release();
    }
  }

  /** Another replica need not wait for the lease to expire; what this one held, it reads back. */
  private async release(): Promise<void> {
    // A renewal answered after the release would take the lease again.
    await this.renewing;
    await this.leases.release(this.lease).catch(() => undefined);
  }

  /** For `/metrics` and tests: where the projection stands in this replica. */
  stats() {
    return {
      leading: this.leading,
      tail: this.tail,
      held: this.held.length,
      ahead: this.ahead.length,
      parked: this.parked.count,
      ...this.counts,
    };
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        await this.step();
        this.databaseFailures = 0;
      } catch (error) {
        if (error instanceof ProjectionLeaseLostError) {
          this.stopLeading(error.message);
        } else if (isDatabaseUnavailable(error)) {
          if (this.databaseFailures++ === 0) this.logger.warn('projection paused: database unavailable');
          await sleep(databaseRetryMs(this.databaseFailures), signal);
        } else if (!signal.aborted) {
          this.logger.error(`projection failed; trying again: ${(error as Error)?.message ?? error}`);
          await sleep(LEASE_RENEW_MS, signal);
        }
      }
    }
  }

  /** One thing to do: lead, read back, retry a parked session, project a batch, or wait for events. */
  private async step(): Promise<void> {
    if (this.leaseLost) this.stopLeading('the lease was taken by another replica');
    if (!this.leading) {
      await this.tryToLead();
      if (!this.leading) await sleep(LEASE_RENEW_MS, this.stopping.signal);
      return;
    }
    if (this.held.length === 0 && this.behind && this.room() > 0) return this.readBack();
    const due = this.held.length === 0 || this.parkedTurn ? this.parked.takeDue(Date.now()) : undefined;
    if (due) {
      this.parkedTurn = false;
      return this.projectParked(due);
    }
    this.parkedTurn = true;
    if (this.held.length > 0) return this.projectHeld();
    const woken = await this.idle(this.parked.nextDueIn(Date.now()) ?? LEASE_RENEW_MS);
    // A quiet second: the stream's end is looked at, in case the live feed is stuck.
    if (!woken) this.behind = true;
  }

  private async tryToLead(): Promise<void> {
    let checkpoint = await this.leases.acquire(this.lease, LEASE_TTL_MS);
    if (checkpoint === undefined) return;
    if (this.stopping.signal.aborted) return this.release();
    checkpoint = await this.adoptLegacyConsumer(checkpoint);
    this.leading = true;
    this.leadership++;
    this.leaseLost = false;
    this.tail = this.through = checkpoint;
    this.behind = true;
    // What the feed delivered before is no guide: it brought more while detached.
    this.fedSeq = 0;
    this.fedAt = Number.NEGATIVE_INFINITY;
    this.fanout.feedEvery(this.takeLive);
    const leadership = this.leadership;
    this.renewal = setInterval(() => {
      // One at a time: a slow answer must not overlap the next (or the release).
      this.renewing ??= this.renew(leadership).finally(() => (this.renewing = undefined));
    }, LEASE_RENEW_MS).unref();
    this.logger.log(`projecting ${this.lease.stream} from sequence ${checkpoint + 1}`);
  }

  /**
   * Upgrading from gateways that projected through a durable consumer: the first leader starts where
   * it had got to, not at the stream's start. Every leader deletes it, since an older gateway still
   * running during the upgrade creates it again.
   */
  private async adoptLegacyConsumer(checkpoint: number): Promise<number> {
    try {
      const floor = checkpoint === 0 ? await this.legacyConsumer.ackFloor() : undefined;
      if (floor !== undefined) {
        await this.leases.moveCheckpoint(this.lease, floor);
        this.logger.log(`took over from the projection's former durable consumer at sequence ${floor}`);
      }
      await this.legacyConsumer.delete();
      return floor ?? checkpoint;
    } catch (error) {
      if (error instanceof ProjectionLeaseLostError) throw error;
      this.logger.warn(
        `the former durable consumer could not be read or deleted: ${(error as Error).message}`,
      );
      return checkpoint;
    }
  }

  private async renew(leadership: number): Promise<void> {
    try {
      const held = (await this.leases.acquire(this.lease, LEASE_TTL_MS)) !== undefined;
      if (held || leadership !== this.leadership || !this.leading) return;
      this.leaseLost = true;
      this.wake?.();
    } catch {
      // The database is away: whoever holds the lease when it returns, a batch commits only under it.
    }
  }

  private stopLeading(why?: string): void {
    if (!this.leading) return;
    if (why) this.logger.warn(`no longer projecting: ${why}`);
    clearInterval(this.renewal);
    this.fanout.feedEvery(undefined);
    this.leading = false;
    this.leadership++;
    this.leaseLost = false;
    this.held = [];
    this.ahead = [];
    this.parked.clear();
  }

  /**
   * A message from the fan-out: taken when it follows the last one taken. After a gap it is kept ahead
   * while the read-back fills the gap: the first one only when there is room, the ones following it
   * up to MAX_AHEAD. Any other is let go, to be read back later.
   */
  private readonly takeLive = (message: FedMessage): void => {
    this.fedSeq = message.seq;
    this.fedAt = performance.now();
    if (message.seq <= this.tail) return;
    const room = this.room();
    if (this.ahead.length === 0 && message.previousSeq === this.tail && room > 0) {
      this.take(message);
      this.wake?.();
      return;
    }
    const last = this.ahead.at(-1);
    if (last && message.previousSeq === last.seq && this.ahead.length < MAX_AHEAD) {
      this.ahead.push(message);
      return;
    }
    if (!last && room > 0) this.ahead.push(message);
    if (room === 0 && !this.overflowing) {
      this.overflowing = true;
      this.logger.warn(`${MAX_HELD} events wait for the projection; the next are read back from the stream`);
    }
    this.behind = true;
    // At once, not after a quiet second; without room there is nothing to do until a batch is written.
    if (room > 0) this.wake?.();
  };

  /** The last sequence before the messages kept ahead: what a read-back must reach to take them. */
  private gapEnd(): number | undefined {
    const first = this.ahead[0];
    return first && (first.previousSeq ?? first.seq - 1);
  }

  /** Takes the messages kept ahead once nothing is missing before them. */
  private takeAhead(): void {
    const end = this.gapEnd();
    if (end === undefined || this.tail < end) return;
    for (const message of this.ahead) if (message.seq > this.tail) this.take(message);
    this.ahead = [];
  }

  private take(message: FedMessage): void {
    this.tail = message.seq;
    const input = this.parse(message);
    if (!input) return;
    if (this.held.length === 0) this.heldSince = performance.now();
    this.held.push(input);
  }

  /** The message as an event to project, or undefined (skipped) when it is not a session event. */
  private parse({ seq, subject, sessionId, header, data }: FedMessage): HeldEvent | undefined {
    const body = decodeText(data);
    let event: SessionEvent | undefined;
    try {
      event = JSON.parse(body) as SessionEvent;
    } catch {
      // Not JSON: not an event either.
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
      this.logger.warn(`message ${seq} on ${subject} is not a session event; not projected`);
      return undefined;
    }
    return { seq, sessionId, number: eventNumberOf(header(Header.EventNumber)), event, body };
  }

  /**
   * Takes in what the live feed missed, a batch at a time: up to the messages kept ahead, else up to
   * the last message the feed delivered, or to the stream's newest when the feed has been silent. A
   * read-back going further than the feed would race ahead of it under load (the feed a little behind
   * the stream's end), taking every event a second time while the feed's copies are dropped.
   */
  private async readBack(): Promise<void> {
    // Cleared first: a live message let go while this reads sets it again, for another round.
    this.behind = false;
    try {
      const bounds = await this.stream.bounds();
      const feedWorks = performance.now() - this.fedAt < FEED_SILENT_MS;
      const last = this.gapEnd() ?? (feedWorks ? Math.min(bounds.last, this.fedSeq) : bounds.last);
      // Aged out of the stream: nothing to read there any more.
      if (bounds.first > this.tail + 1) this.tail = bounds.first - 1;
      // No more messages than sequences up to `last` (past it only when some of those were deleted).
      const max = Math.min(MAX_BATCH, this.room(), last - this.tail);
      const messages = max > 0 ? await this.stream.readAfter(this.tail, max) : [];
      for (const message of messages) {
        if (message.seq <= this.tail) continue;
        this.take(message);
        this.counts.eventsReadBack++;
      }
      this.takeAhead();
      // What the feed brought and let go (no room, or too many kept ahead) is read back next round.
      if (this.ahead.length === 0 && this.fedSeq > this.tail && this.tail < bounds.last) this.behind = true;
      if (this.tail < last) {
        this.behind = true;
        if (messages.length === 0) await sleep(READ_BACK_RETRY_MS, this.stopping.signal);
        return;
      }
      if (this.overflowing && !this.behind) {
        this.logger.log('the projection caught up with the stream');
        this.overflowing = false;
      }
    } catch (error) {
      this.behind = true;
      throw error;
    }
  }

  private async projectHeld(): Promise<void> {
    const lingered = performance.now() - this.heldSince;
    if (this.held.length < MAX_BATCH && lingered < LINGER_MS) {
      await sleep(LINGER_MS - lingered, this.stopping.signal);
      return;
    }
    const batch = this.held.splice(0, MAX_BATCH);
    this.heldSince = performance.now();
    const through = batch.at(-1)!.seq;
    const sessions = new Map<string, HeldEvent[]>();
    for (const event of batch) {
      if (this.parked.has(event.sessionId)) this.park(event.sessionId, [event]);
      else push(sessions, event.sessionId, event);
    }
    try {
      await this.projectBatch(sessions, () => this.checkpoint(through));
      this.through = through;
    } catch (error) {
      // Back in front, to be projected again: what made it the first time changes nothing.
      if (!(error instanceof ProjectionLeaseLostError)) {
        const notParked = [...sessions.values()].flat().filter((event) => !this.parked.has(event.sessionId));
        this.held.unshift(...notParked.sort(bySeq));
      }
      throw error;
    }
  }

  /**
   * Projects the sessions' events in one transaction that moves the checkpoint to `checkpointAfter()`.
   * When it fails, they go piece by piece (see projectPieces), and the checkpoint moves once every
   * piece is done.
   */
  private async projectBatch(
    sessions: Map<string, HeldEvent[]>,
    checkpointAfter: () => number,
  ): Promise<void> {
    if (sessions.size === 0) return;
    if (await this.projectPieces(sessions, checkpointAfter())) return;
    await this.leases.moveCheckpoint(this.lease, checkpointAfter());
  }

  /**
   * One transaction for every session given (true: it committed, moving the checkpoint to
   * `checkpoint`); when it fails, each session apart, then each event apart, so that only a session
   * whose row is locked elsewhere waits (parked), and only an event PostgreSQL refuses is left out.
   * The pieces do not move the checkpoint.
   */
  private async projectPieces(sessions: Map<string, HeldEvent[]>, checkpoint: number): Promise<boolean> {
    try {
      await this.projectNow(sessions, checkpoint);
      return true;
    } catch (error) {
      if (error instanceof ProjectionLeaseLostError || isDatabaseUnavailable(error)) throw error;
      const [[sessionId, events]] = sessions;
      if (isTransactionConflict(error) && sessions.size === 1) {
        this.parkLocked(sessionId, events);
        return false;
      }
      if (sessions.size === 1 && events.length === 1) {
        await this.refused(sessionId, events[0], error);
        return false;
      }
    }
    for (const [sessionId, events] of sessions) {
      if (sessions.size > 1) {
        await this.projectPieces(new Map([[sessionId, events]]), CHECKPOINT_UNMOVED);
        continue;
      }
      for (const event of events) {
        if (this.parked.has(sessionId)) this.park(sessionId, [event]);
        else await this.projectPieces(new Map([[sessionId, [event]]]), CHECKPOINT_UNMOVED);
      }
    }
    return false;
  }

  /** One transaction; a parked session's retry waits for its row's lock only briefly. */
  private async projectNow(sessions: Map<string, HeldEvent[]>, checkpoint: number): Promise<void> {
    const outcomes = await this.projection.project(
      sessions,
      { lease: this.lease, seq: checkpoint },
      { lockTimeoutMs: this.retrying ? PARKED_LOCK_TIMEOUT_MS : undefined },
    );
    for (const sessionOutcomes of outcomes.values()) this.counts.eventsProjected += sessionOutcomes.length;
  }

  /** An event that failed alone: tried again a few times, then left out if the database works. */
  private async refused(sessionId: string, event: HeldEvent, error: unknown): Promise<void> {
    for (let attempt = 2; attempt <= MAX_REFUSALS; attempt++) {
      await sleep(FIRST_REFUSAL_RETRY_MS * 2 ** (attempt - 2), this.stopping.signal);
      // Stopping: the batch is abandoned whole, for the next lease holder to read back.
      if (this.stopping.signal.aborted) throw new Error('stopping');
      try {
        await this.projectNow(new Map([[sessionId, [event]]]), CHECKPOINT_UNMOVED);
        return;
      } catch (again) {
        if (again instanceof ProjectionLeaseLostError || isDatabaseUnavailable(again)) throw again;
        if (isTransactionConflict(again)) return this.parkLocked(sessionId, [event]);
        error = again;
      }
    }
    // A database that fails every write (an error not known as "unavailable") refuses nothing in
    // particular: this write of the checkpoint fails too, and the batch waits for the database.
    await this.leases.moveCheckpoint(this.lease, CHECKPOINT_UNMOVED);
    this.counts.eventsLeftOut++;
    this.logger.error(
      `event #${event.seq} of ${sessionId} left out of the projection after ${MAX_REFUSALS} refusals: ${(error as Error)?.message}`,
    );
  }

  private parkLocked(sessionId: string, events: HeldEvent[]): void {
    const retried = this.retrying?.sessionId === sessionId ? this.retrying : undefined;
    if (!retried && !this.parked.has(sessionId)) {
      this.logger.warn(`the row of ${sessionId} is locked by another transaction; its events wait`);
    }
    this.park(
      sessionId,
      events,
      retried ? Math.min(retried.retryMs * 2, MAX_CONFLICT_RETRY_MS) : FIRST_CONFLICT_RETRY_MS,
    );
  }

  private park(sessionId: string, events: HeldEvent[], retryMs = FIRST_CONFLICT_RETRY_MS): void {
    this.parked.add(sessionId, events, Date.now(), retryMs);
  }

  /** Room for more events in memory, held or parked. */
  private room(): number {
    return Math.max(0, MAX_HELD - this.held.length - this.parked.count);
  }

  private async projectParked({ sessionId, events, retryMs }: DueSession<HeldEvent>): Promise<void> {
    this.retrying = { sessionId, retryMs };
    try {
      await this.projectBatch(new Map([[sessionId, events]]), () => this.checkpoint());
    } catch (error) {
      // Unless the retry parked them again already.
      if (!this.parked.has(sessionId)) this.park(sessionId, events, retryMs);
      throw error;
    } finally {
      this.retrying = undefined;
    }
  }

  /**
   * How far the projection is sure to be once the batches taken reach `through`: every event up to
   * it projected or left out, none set aside.
   */
  private checkpoint(through = this.through): number {
    return Math.min(through, this.parked.firstSeq() - 1);
  }

  /** Waits for a live event (resolves true), at most `ms` (false). */
  private idle(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wake = () => done(true);
    });
  }
}

const bySeq = (a: HeldEvent, b: HeldEvent) => a.seq - b.seq;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

/** The database is down: a delay growing with the failures in a row. */
function databaseRetryMs(failures: number): number {
  return Math.min(MAX_DATABASE_RETRY_MS, 500 * 2 ** Math.min(failures, 6));
}
