import type { LoggerService } from '@nestjs/common';
import { Header, sessionIdOfSubject, type SessionEvent } from '@lap/contracts';
import { FencedError, isTransientNatsError, type WorkItem } from '@lap/messaging';
import { classifyRawRecord, foldRecord, type FoldNote, type FoldState } from '../fold';
import type { NormalizerCounter, NormalizerMetrics } from '../metrics/normalizer-metrics';
import type { EventPublisher } from './event-publisher';
import { FoldStateConflictError, type FoldStateRepository } from './fold-state.repository';
import type { RawLogReader } from './raw-log.reader';
import { loggedRecordItem } from './logged-record-item';
import { decodeRawRecord } from './raw-record-decoder';

/**
 * After this many deliveries a record still "ahead" is checked against the raw log itself (its
 * `Lap-Prev-Seq` may name a record that will never be folded: expired, or a writer's mistake), and a
 * record still fenced is reported (something other than the normalizer writes the events subject).
 */
const PERSISTENT_AFTER_DELIVERIES = 10;

/** Most records one catch-up folds from the log before the waiting record looks again. */
const MAX_CATCH_UP_RECORDS = 1_000;

/** How soon a record is retried after NATS failed the attempt (a restart takes a second or two). */
const TRANSIENT_RETRY_MS = 500;

const NOTE_COUNTERS: Record<FoldNote['kind'], NormalizerCounter> = {
  unknown_frame: 'normalizer_unknown_frames_total',
  malformed_frame: 'normalizer_malformed_frames_total',
  late_frame: 'normalizer_late_frames_total',
};

/**
 * Normalizes raw records (DESIGN.md, "Normalizer fold"), a run of one session's consecutive records at
 * a time: read the session's fold state; acknowledge records already folded, leave the run alone when
 * its first record's predecessor is not folded yet, otherwise fold the records, publish their events,
 * save the state with compare-and-set, and acknowledge them. Every step can be repeated after a crash:
 * the fold is pure and event ids are deterministic, so a repeat stores nothing new.
 *
 * The save is off the events' path: the session's next run folds on the new state at once, and the
 * records are acknowledged when a (shared, slightly later) write of a state covering them is done.
 */
export class RecordNormalizer {
  /** Records folded and published, waiting for their state to be written before they are settled. */
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly states: FoldStateRepository,
    private readonly publisher: EventPublisher,
    private readonly rawLog: RawLogReader,
    private readonly metrics: NormalizerMetrics,
    private readonly logger: LoggerService,
  ) {}

  /**
   * Normalizes the record, or hands it back at once when its predecessor is not folded yet; resolves
   * once it is settled.
   */
  async normalize(item: WorkItem): Promise<void> {
    if ((await this.normalizeRun([item])) === 0) this.handBack(item);
    await this.settle();
  }

  /** Writes the fold states not saved yet and waits until the records they cover are settled. */
  async settle(): Promise<void> {
    await this.states.flushAll();
    await Promise.all(this.settling);
  }

  /** True when `item` is the raw record its session wrote right after `previous`. */
  follows(item: WorkItem, previous: WorkItem): boolean {
    return readSequence(item.headers[Header.PrevSeq]) === previous.seq;
  }

  /**
   * Folds the session's records between its fold state and `item` straight from the raw log, when their
   * own deliveries are late (held by a replica that died, or queued behind records handed back again and
   * again). Their deliveries, whenever they come, are then acked as duplicates.
   */
  async catchUpTo(item: WorkItem): Promise<void> {
    const sessionId = sessionIdOfSubject(item.subject);
    for (let folded = 0; folded < MAX_CATCH_UP_RECORDS; folded++) {
      const { state } = await this.states.load(sessionId);
      const next = await this.rawLog.recordAfter(sessionId, state.lastRawSeq);
      if (!next || next.seq >= item.seq) return;
      // Another replica folding the same record wins or loses the compare-and-set: either way, go on.
      if ((await this.normalizeRun([loggedRecordItem(next)])) === 0) return;
    }
  }

  /** Hands back a record still ahead of its turn, to be delivered again shortly. */
  handBack(item: WorkItem): void {
    this.metrics.increment('normalizer_records_ahead_total');
    item.nak(retryDelayMs());
  }

  /**
   * Normalizes the leading records of `run` (one session's, each following the one before) that are in
   * turn, and settles them (ack, or nak to retry); resolves to how many it settled from the front. 0: the
   * first record's predecessor is not folded yet, and nothing was settled, for the caller to wait or
   * hand it back.
   */
  async normalizeRun(run: WorkItem[]): Promise<number> {
    const sessionId = sessionIdOfSubject(run[0].subject);
    try {
      return await this.foldRun(run, sessionId);
    } catch (error) {
      const delayMs = this.retryDelayAfter(error, run[0], sessionId);
      for (const item of run) if (!item.settled()) item.nak(delayMs);
      return run.length;
    }
  }

  /** How soon to retry a run that failed with `error`; rethrows what is not expected. */
  private retryDelayAfter(error: unknown, first: WorkItem, sessionId: string): number {
    // Another replica got ahead on this session: its state is newer than ours, so read it again later.
    if (error instanceof FencedError) {
      this.states.forget(sessionId);
      this.metrics.increment('normalizer_fenced_publishes_total');
      if (first.deliveryCount >= PERSISTENT_AFTER_DELIVERIES) {
        this.logger.warn(
          `events of ${sessionId} are still ahead of its fold state after ${first.deliveryCount} tries at raw record #${first.seq}: is another writer publishing to ${error.subject}?`,
        );
      }
      return retryDelayMs();
    }
    if (error instanceof FoldStateConflictError) {
      this.metrics.increment('normalizer_state_conflicts_total');
      return retryDelayMs();
    }
    // NATS away for now (restarting, reconnecting): try again soon. The generic handler-error backoff
    // grows with the delivery count, which "ahead" hand-backs inflate, and would stall the session.
    if (isTransientNatsError(error)) {
      this.logger.warn(
        `raw record ${sessionId}#${first.seq}: ${(error as Error).message}; trying again shortly`,
      );
      return TRANSIENT_RETRY_MS;
    }
    throw error;
  }

  private async foldRun(run: WorkItem[], sessionId: string): Promise<number> {
    let stored = await this.states.load(sessionId);
    let place = await this.placeOf(run, sessionId, stored.state);
    if (place.turn === 'ahead' && stored.fromMemory) {
      // Another replica may have folded the session since this one last did: look at the bucket.
      stored = await this.states.load(sessionId, { fresh: true });
      place = await this.placeOf(run, sessionId, stored.state);
    }
    const duplicates = run.slice(0, place.firstNew);
    this.metrics.increment('normalizer_records_duplicate_total', duplicates.length);
    // Folded already, but maybe only into a state not written yet: acked once it is.
    if (duplicates.length > 0) {
      this.settleWhenWritten(this.states.written(sessionId) ?? Promise.resolve(), duplicates, sessionId);
    }
    if (place.turn !== 'fold') return place.firstNew;

    const toFold = run.slice(place.firstNew);
    let state = stored.state;
    const events: SessionEvent[] = [];
    let poison = 0;
    for (const item of toFold) {
      const decoded = decodeRawRecord(item.data);
      if (!decoded.ok) {
        // Skipped as if folded: the session's later records name this one as their predecessor.
        state = { ...state, lastRawSeq: item.seq };
        poison++;
        this.logger.warn(
          `skipped raw record ${sessionId}#${item.seq} (kind ${item.headers[Header.RecordKind] ?? 'not given'}): ${decoded.reason}`,
        );
        continue;
      }
      // The record's own time, not the clock: folding it again must give byte-identical events.
      const { record } = decoded;
      const folded = foldRecord(state, record, item.seq, sessionId, record.at);
      state = folded.state;
      events.push(...folded.events);
      for (const note of folded.notes) this.metrics.increment(NOTE_COUNTERS[note.kind]);
    }
    const after = await this.publisher.positionOf(sessionId, stored.state);
    const published = await this.publisher.publish(sessionId, events, after);
    this.metrics.increment('normalizer_events_published_total', published.stored);
    this.metrics.increment('normalizer_events_duplicate_total', published.duplicates);
    const saved = this.states.saveSoon(
      sessionId,
      { ...state, lastEventSeq: published.after.seq, numbered: published.after },
      stored,
    );
    this.settleWhenWritten(saved, toFold, sessionId, () => {
      this.metrics.increment('normalizer_fold_runs_total');
      this.metrics.increment('normalizer_records_folded_total', toFold.length - poison);
      this.metrics.increment('normalizer_records_poison_total', poison);
    });
    return run.length;
  }

  /** Acknowledges `items` once `written` resolves; hands them back if the state cannot be written. */
  private settleWhenWritten(
    written: Promise<void>,
    items: WorkItem[],
    sessionId: string,
    onWritten: () => void = () => undefined,
  ): void {
    const settling = written
      .then(
        async () => {
          onWritten();
          // All at once: one socket write for the lot, where awaiting each would flush each alone.
          await Promise.all(items.map((item) => item.ack()));
        },
        (error) => {
          let delayMs = TRANSIENT_RETRY_MS;
          try {
            delayMs = this.retryDelayAfter(error, items[0], sessionId);
          } catch {
            this.logger.warn(`saving the fold state of ${sessionId} failed: ${(error as Error)?.message}`);
          }
          for (const item of items) if (!item.settled()) item.nak(delayMs);
        },
      )
      // Settling fails only with the connection gone: the records come back to some replica anyway.
      .catch((error) => this.logger.warn(`settling records of ${sessionId}: ${(error as Error)?.message}`))
      .finally(() => this.settling.delete(settling));
    this.settling.add(settling);
  }

  /**
   * Where `run` stands against the session's fold state: how many of its records are already folded,
   * and whether the first one that is not is in turn ('fold'), ahead of it, or absent ('done').
   */
  private async placeOf(
    run: WorkItem[],
    sessionId: string,
    state: FoldState,
  ): Promise<{ firstNew: number; turn: 'fold' | 'ahead' | 'done' }> {
    let firstNew = 0;
    while (firstNew < run.length && run[firstNew].seq <= state.lastRawSeq) firstNew++;
    if (firstNew === run.length) return { firstNew, turn: 'done' };
    return { firstNew, turn: await this.turnOf(run[firstNew], sessionId, state) };
  }

  /** Whether `item`, the session's first record not folded yet, is next in turn. */
  private async turnOf(item: WorkItem, sessionId: string, state: FoldState): Promise<'fold' | 'ahead'> {
    const prevSeq = readSequence(item.headers[Header.PrevSeq]);
    if (prevSeq !== null) {
      if (classifyRawRecord(state, item.seq, prevSeq) === 'fold') return 'fold';
      if (item.deliveryCount < PERSISTENT_AFTER_DELIVERIES) return 'ahead';
    }
    // Nothing between the last folded record and this one on the subject: it is this record's turn.
    const successor = await this.rawLog.firstSeqAfter(sessionId, state.lastRawSeq);
    return successor === item.seq ? 'fold' : 'ahead';
  }
}

function readSequence(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  return Number(value);
}

/** Short and jittered, so replicas retrying the same session do not keep colliding in step. */
function retryDelayMs(): number {
  return 50 + Math.floor(Math.random() * 150);
}
