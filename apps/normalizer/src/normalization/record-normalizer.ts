import type { LoggerService } from '@nestjs/common';
import { Header, sessionIdOfSubject } from '@lap/contracts';
import { FencedError, type WorkItem } from '@lap/messaging';
import { classifyRawRecord, foldRecord, type FoldNote, type FoldState, type RawRecordTurn } from '../fold';
import type { NormalizerCounter, NormalizerMetrics } from '../metrics/normalizer-metrics';
import type { EventPublisher } from './event-publisher';
import { FoldStateConflictError, type FoldStateRepository } from './fold-state.repository';
import type { RawLogReader } from './raw-log.reader';
import { decodeRawRecord } from './raw-record-decoder';

/**
 * After this many deliveries a record still "ahead" is checked against the raw log itself (its
 * `Lap-Prev-Seq` may name a record that will never be folded: expired, or a writer's mistake), and a
 * record still fenced is reported (something other than the normalizer writes the events subject).
 */
const PERSISTENT_AFTER_DELIVERIES = 10;

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

  async normalize(item: WorkItem): Promise<void> {
    const sessionId = sessionIdOfSubject(item.subject);
    try {
      await this.normalizeInTurn(item, sessionId);
    } catch (error) {
      // Another replica got ahead on this session: its state is newer than ours, so read it again later.
      if (error instanceof FencedError) {
        this.metrics.increment('normalizer_fenced_publishes_total');
        if (item.deliveryCount >= PERSISTENT_AFTER_DELIVERIES) {
          this.logger.warn(
            `events of ${sessionId} are still ahead of its fold state after ${item.deliveryCount} tries at raw record #${item.seq}: is another writer publishing to ${error.subject}?`,
          );
        }
        return item.nak(retryDelayMs());
      }
      if (error instanceof FoldStateConflictError) {
        this.metrics.increment('normalizer_state_conflicts_total');
        return item.nak(retryDelayMs());
      }
      throw error;
    }
  }

  private async normalizeInTurn(item: WorkItem, sessionId: string): Promise<void> {
    const { state, revision } = await this.states.load(sessionId);
    const turn = await this.turnOf(item, sessionId, state);
    if (turn === 'duplicate') {
      this.metrics.increment('normalizer_records_duplicate_total');
      return item.ack();
    }
    if (turn === 'ahead') {
      this.metrics.increment('normalizer_records_ahead_total');
      return item.nak(retryDelayMs());
    }

    const decoded = decodeRawRecord(item.data);
    if (!decoded.ok) {
      // Skipped as if folded: the session's later records name this one as their predecessor.
      await this.states.save(sessionId, { ...state, lastRawSeq: item.seq }, revision);
      this.metrics.increment('normalizer_records_poison_total');
      this.logger.warn(
        `skipped raw record ${sessionId}#${item.seq} (kind ${item.headers[Header.RecordKind] ?? 'not given'}): ${decoded.reason}`,
      );
      return item.ack();
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
    return item.ack();
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
