import type { JetStreamClient } from '@nats-io/jetstream';
import { cursorFramesOf, eventId, Header, type NatsNames, type RawRecord } from '@lap/contracts';
import { decodeJson } from '@lap/messaging';
import type { Arrivals } from './sse-watcher';
import { readStoredMessages } from './stored-messages';

/** Most events one frame folds into (a tool call's completion: message, tool use, result, …). */
const MAX_EVENTS_PER_FRAME = 8;

/** Where one event's time went, in ms, from the emulator writing its frame to the SSE client. */
export interface EventLatency {
  /** The SSE client's arrival time minus the frame's write time. */
  endToEndMs: number;
  /** Frame written → raw record stored in JetStream (emulator socket, runner, raw publish). */
  runnerMs: number;
  /** Raw record stored → event stored (normalizer: pull, fold state, publish). */
  normalizerMs: number;
  /** Event stored → SSE client received it (gateway: live consumer, fan-out, socket). */
  gatewayMs: number;
  /** Position of the event among the session's received events (to drop a warm-up). */
  index: number;
}

/**
 * Ties each event an SSE client received to the Cursor frame that caused it, through the raw log: its
 * SSE id is its stream sequence, whose stored message names its event id. Event ids are deterministic
 * (`eventId(session, rawSeq, i)`), so hashing each raw sequence names the record an event came from;
 * that record keeps the frame verbatim, and the emulator's frame id `<ms>-<seq>` is the wall-clock
 * millisecond it wrote the frame. Both wall clocks (frame id, Date.now() at arrival) are whole
 * milliseconds, so each is taken at the middle of its millisecond: unbiased, to within ±1 ms. The
 * JetStream store times in between are exact to the microsecond.
 */
export async function frameLatencies(
  js: JetStreamClient,
  names: NatsNames,
  sessionId: string,
  received: Arrivals,
): Promise<EventLatency[]> {
  const raw = await readStoredMessages(js, names.streams.raw, names.raw(sessionId));
  const events = await readStoredMessages(js, names.streams.events, names.events(sessionId));
  const storedEvents = new Map(events.map((message) => [message.seq, message]));
  const frameOfEvent = new Map<string, { frameWrittenMs: number; rawStoredMs: number }>();
  for (const message of raw) {
    const frames = cursorFramesOf(decodeJson<RawRecord>(message.data));
    // Frames recorded together: their events are timed from the first one's write, an upper bound.
    const first = frames.find((frame) => frame.id !== null);
    if (!first) continue;
    const frameMs = Number(first.id!.split('-')[0]);
    for (let i = 0; i < MAX_EVENTS_PER_FRAME * frames.length; i++) {
      frameOfEvent.set(eventId(sessionId, message.seq, i), {
        frameWrittenMs: frameMs + 0.5,
        rawStoredMs: message.storedAtMs,
      });
    }
  }
  const out: EventLatency[] = [];
  for (let index = 0; index < received.length; index++) {
    const stored = storedEvents.get(received.seqs[index]);
    const frame = stored && frameOfEvent.get(stored.headers[Header.EventId]);
    if (!stored || !frame) continue;
    const receivedMs = received.wallMs[index] + 0.5;
    out.push({
      endToEndMs: receivedMs - frame.frameWrittenMs,
      runnerMs: frame.rawStoredMs - frame.frameWrittenMs,
      normalizerMs: stored.storedAtMs - frame.rawStoredMs,
      gatewayMs: receivedMs - stored.storedAtMs,
      index,
    });
  }
  return out;
}
