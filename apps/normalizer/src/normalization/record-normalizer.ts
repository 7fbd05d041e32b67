import type { LoggerService } from '@nestjs/common';
import { Header, sessionIdOfSubject } from '@lap/contracts';
import { FencedError, isTransientNatsError, type WorkItem } from '@lap/messaging';
import { classifyRawRecord, foldRecord, type FoldNote, type FoldState, type RawRecordTurn } from '../fold';
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
 * Normalizes one raw record (DESIGN.md, "Normalizer fold"): read the session's fold state; acknowledge a
 * record already folded, hand back one whose predecessor is not folded yet, otherwise fold it, publish
 * its events, save the state with compare-and-set, and acknowledge. Every step can be repeated after a
 * crash: the fold is pure and event ids are deterministic, so a repeat stores nothing new.
 */
export class RecordNormalizer {
  constructor(
    private readonly states: FoldStateRepository,
    private readonly publisher: EventPublisher,
    private readonly rawLog: RawLogReader,
    private readonly metrics: NormalizerMetrics,
    private readonly logger: LoggerService,
  ) {}

  /** Normalizes the record, or hands it back at once when its predecessor is not folded yet. */
  async normalize(item: WorkItem): Promise<void> {
    if ((await this.normalizeIfInTurn(item)) === 'ahead') this.handBack(item);
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
      if ((await this.normalizeIfInTurn(loggedRecordItem(next))) === 'ahead') return;
    }
  }

  /** Hands back a record still ahead of its turn, to be delivered again shortly. */
  handBack(item: WorkItem): void {
    this.metrics.increment('normalizer_records_ahead_total');
    item.nak(retryDelayMs());
  }

  /**
   * Normalizes the record if it is its turn and settles it (ack, or nak to retry); 'ahead' leaves it
   * unsettled when its predecessor is not folded yet, for the caller to wait or hand it back.
   */
  async normalizeIfInTurn(item: WorkItem): Promise<'settled' | 'ahead'> {
    const sessionId = sessionIdOfSubject(item.subject);
    try {
      return await this.normalizeInTurn(item, sessionId);
    } catch (error) {
      // Another replica got ahead on this session: its state is newer than ours, so read it again later.
      if (error instanceof FencedError) {
        this.metrics.increment('normalizer_fenced_publishes_total');
        if (item.deliveryCount >= PERSISTENT_AFTER_DELIVERIES) {
          this.logger.warn(
            `events of ${sessionId} are still ahead of its fold state after ${item.deliveryCount} tries at raw record #${item.seq}: is another writer publishing to ${error.subject}?`,
          );
        }
        item.nak(retryDelayMs());
        return 'settled';
      }
      if (error instanceof FoldStateConflictError) {
        this.metrics.increment('normalizer_state_conflicts_total');
        item.nak(retryDelayMs());
        return 'settled';
      }
      // NATS away for now (restarting, reconnecting): try again soon. The generic handler-error backoff
      // grows with the delivery count, which "ahead" hand-backs inflate, and would stall the session.
      if (isTransientNatsError(error)) {
        this.logger.warn(
          `raw record ${sessionId}#${item.seq}: ${(error as Error).message}; trying again shortly`,
        );
        item.nak(TRANSIENT_RETRY_MS);
        return 'settled';
      }
      throw error;
    }
  }

  private async normalizeInTurn(item: WorkItem, sessionId: string): Promise<'settled' | 'ahead'> {
    const { state, revision } = await this.states.load(sessionId);
    const turn = await this.turnOf(item, sessionId, state);
    if (turn === 'duplicate') {
      this.metrics.increment('normalizer_records_duplicate_total');
      await item.ack();
      return 'settled';
    }
    if (turn === 'ahead') return 'ahead';

    const decoded = decodeRawRecord(item.data);
    if (!decoded.ok) {
      // Skipped as if folded: the session's later records name this one as their predecessor.
      await this.states.save(sessionId, { ...state, lastRawSeq: item.seq }, revision);
      this.metrics.increment('normalizer_records_poison_total');
      this.logger.warn(
        `skipped raw record ${sessionId}#${item.seq} (kind ${item.headers[Header.RecordKind] ?? 'not given'}): ${decoded.reason}`,
      );
      await item.ack();
      return 'settled';
    }

    // The record's own time, not the clock: folding it again must give byte-identical events.
    const { record } = decoded;
    const folded = foldRecord(state, record, item.seq, sessionId, record.at);
    const published = await this.publisher.publish(sessionId, folded.events, state.lastEventSeq);
    this.metrics.increment('normalizer_events_published_total', published.stored);
    this.metrics.increment('normalizer_events_duplicate_total', published.duplicates);
    await this.states.save(sessionId, { ...folded.state, lastEventSeq: published.lastSeq }, revision);
    this.metrics.increment('normalizer_records_folded_total');
    for (const note of folded.notes) this.metrics.increment(NOTE_COUNTERS[note.kind]);
    await item.ack();
    return 'settled';
  }

  private async turnOf(item: WorkItem, sessionId: string, state: FoldState): Promise<RawRecordTurn> {
    if (item.seq <= state.lastRawSeq) return 'duplicate';
    const prevSeq = readSequence(item.headers[Header.PrevSeq]);
    if (prevSeq !== null) {
      const turn = classifyRawRecord(state, item.seq, prevSeq);
      if (turn !== 'ahead' || item.deliveryCount < PERSISTENT_AFTER_DELIVERIES) return turn;
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
