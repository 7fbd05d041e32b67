import { Header, sessionIdOfSubject } from '@lap/contracts';

/** One normalized event as read from `<P>_EVENTS`, ready to be sent to SSE clients. */
export interface LoggedEvent {
  /** Its sequence in the stream: the SSE `id:`. */
  seq: number;
  sessionId: string;
  /** The sequence of the session's previous event (0 for the first), when the publisher named it. */
  prevSeq: number | undefined;
  type: string;
  /** The event body, serialized once and shared by every client. */
  json: string;
}

/** Builds a LoggedEvent from a stored or delivered message; throws when the body is not an event. */
export function toLoggedEvent(
  seq: number,
  subject: string,
  headers: Record<string, string>,
  body: unknown,
): LoggedEvent {
  const type = headers[Header.EventType] ?? (body as { type?: unknown } | null)?.type;
  if (typeof body !== 'object' || body === null || typeof type !== 'string') {
    throw new Error(`message ${seq} on ${subject} is not a session event`);
  }
  const prev = Number.parseInt(headers[Header.PrevSeq] ?? '', 10);
  return {
    seq,
    sessionId: headers[Header.SessionId] ?? sessionIdOfSubject(subject),
    prevSeq: Number.isFinite(prev) ? prev : undefined,
    type,
    json: JSON.stringify(body),
  };
}

/** The SSE frame of an event: `id:` lets a client resume, `event:` is what the Anthropic SDK dispatches on. */
export function sseFrame(event: LoggedEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${event.json}\n\n`;
}

/**
 * The frame that reports a stream that broke on our side, in the shape the Anthropic SDK raises as an
 * APIError. Its `id:` repeats the last event sent, so a client resuming from it misses nothing.
 */
export function sseErrorFrame(lastSentSeq: number, message: string): string {
  const body = JSON.stringify({ type: 'error', error: { type: 'api_error', message } });
  return `id: ${lastSentSeq}\nevent: error\ndata: ${body}\n\n`;
}
