import { followsEventNumber } from '@lap/contracts';
import { concatFrames, type LoggedEvent, type SseBytes } from './logged-event';

/**
 * Consecutive live events of one session, in stream order, as one delivery to its listeners: what the
 * live consumer handed over in one go (a burst), or a single event. A client that is caught up takes
 * the whole batch as one write of bytes built once for all clients.
 */
export class EventBatch {
  /**
   * Whether the events follow on from each other: rising sequences, and each number at most one past
   * the one before it here. Then a client that may send the first may send them all, with no hole to
   * refill in between.
   */
  readonly chained: boolean;
  private joined?: SseBytes;

  constructor(readonly events: readonly LoggedEvent[]) {
    let chained = events.length > 0;
    for (let i = 1; i < events.length && chained; i++) {
      chained =
        events[i].seq > events[i - 1].seq && followsEventNumber(events[i].number, events[i - 1].number);
    }
    this.chained = chained;
  }

  get first(): LoggedEvent {
    return this.events[0];
  }

  get last(): LoggedEvent {
    return this.events[this.events.length - 1];
  }

  /** Every event's frame in one buffer (the event's own when there is one), built on first use. */
  get bytes(): SseBytes {
    if (this.events.length === 1) return this.events[0];
    return (this.joined ??= concatFrames(this.events));
  }
}
