import { eventNumberOf, Header, sessionIdOfSubject } from '@lap/contracts';
import { headersOf } from '@lap/messaging';

/**
 * Bytes ready for an SSE stream, built once and shared by every client: `frame` is what the stream
 * carries, `chunk` is the same bytes framed as one HTTP/1.1 chunk (size line, frame, CRLF), for a
 * client whose response uses chunked transfer encoding and is written to its socket directly.
 * `frame` is a view into `chunk`: one allocation for both.
 */
export interface SseBytes {
  readonly frame: Buffer;
  readonly chunk: Buffer;
}

/** One normalized event as read from `<P>_EVENTS`, ready to be sent to SSE clients. */
export interface LoggedEvent extends SseBytes {
  /** Its sequence in the stream: the SSE `id:`. */
  seq: number;
  sessionId: string;
  /** Its place among the session's events (`Lap-Event-Number`, from 1), when the publisher numbered it. */
  number: number | undefined;
  type: string;
}

/** Reads a message header; NATS answers '' for a missing one. */
export type HeaderLookup = (name: string) => string | undefined;

export const recordLookup =
  (headers: Record<string, string>): HeaderLookup =>
  (name) =>
    headers[name] || undefined;

/** Reads a delivered message's headers in one pass (each `MsgHdrs.get` scans every key again). */
export const headerLookup = (message: Parameters<typeof headersOf>[0]): HeaderLookup =>
  recordLookup(headersOf(message));

/** The session a message on `<P>.events.<sessionId>` belongs to: its header, else its subject. */
export function sessionIdOf(subject: string, header: HeaderLookup): string {
  return header(Header.SessionId) ?? sessionIdOfSubject(subject);
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Builds a LoggedEvent from a stored or delivered message without parsing it when it can: a message
 * the normalizer published carries its type in a header and `JSON.stringify` of the event as body (one
 * line, `{…}`), which goes out as is. Anything else (no type header, a body that is not one line
 * between braces) is parsed and re-serialized, which also puts any pretty-printed JSON on one line as
 * an SSE `data:` line needs. Throws when the message is not an event.
 */
export function loggedEventOf(
  seq: number,
  subject: string,
  header: HeaderLookup,
  data: Uint8Array,
): LoggedEvent {
  const headerType = header(Header.EventType);
  const sessionId = sessionIdOf(subject, header);
  const number = eventNumberOf(header(Header.EventNumber));
  if (headerType !== undefined && isSseSafe(headerType) && isOneLineJsonObject(data)) {
    return { seq, sessionId, number, type: headerType, ...sseBytes(eventHead(seq, headerType), data) };
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw new Error(`message ${seq} on ${subject} is not a session event (its body is not JSON)`);
  }
  const type = headerType ?? (body as { type?: unknown } | null)?.type;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof type !== 'string') {
    throw new Error(`message ${seq} on ${subject} is not a session event`);
  }
  if (!isSseSafe(type)) throw new Error(`message ${seq} on ${subject} has an event type with a line break`);
  return {
    seq,
    sessionId,
    number,
    type,
    ...sseBytes(eventHead(seq, type), Buffer.from(JSON.stringify(body))),
  };
}

/** A cheap check, not a parse: `{`…`}` with no raw line break (JSON.stringify never writes one). */
function isOneLineJsonObject(data: Uint8Array): boolean {
  return (
    data.length >= 2 &&
    data[0] === OPEN_BRACE &&
    data[data.length - 1] === CLOSE_BRACE &&
    data.indexOf(LF) < 0 &&
    data.indexOf(CR) < 0
  );
}

/** An `event:` value must not end the line early. */
const isSseSafe = (value: string) => !/[\r\n]/.test(value);

/** `id:` lets a client resume, `event:` is what the Anthropic SDK dispatches on. */
const eventHead = (seq: number, type: string) => `id: ${seq}\nevent: ${type}\ndata: `;

/** `head` + `body` + `tail` as an SSE frame, inside one HTTP chunk. */
function sseBytes(head: string, body: Uint8Array = EMPTY, tail = '\n\n'): SseBytes {
  const headBytes = Buffer.byteLength(head);
  const frameLength = headBytes + body.length + Buffer.byteLength(tail);
  const sizeLine = `${frameLength.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(sizeLine.length + frameLength + 2);
  let at = chunk.write(sizeLine, 0, 'latin1');
  const frameStart = at;
  at += chunk.write(head, at, 'utf8');
  chunk.set(body, at);
  at += body.length;
  at += chunk.write(tail, at, 'utf8');
  chunk.write('\r\n', at, 'latin1');
  return { chunk, frame: chunk.subarray(frameStart, frameStart + frameLength) };
}

const EMPTY = new Uint8Array(0);

/** Arbitrary text (a comment, an error frame) as SseBytes. */
export const sseText = (text: string): SseBytes => sseBytes(text, EMPTY, '');

/** Several events' frames as one, in the order given (a burst that a caught-up client takes whole). */
export function concatFrames(events: readonly SseBytes[]): SseBytes {
  let frameLength = 0;
  for (const event of events) frameLength += event.frame.length;
  const sizeLine = `${frameLength.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(sizeLine.length + frameLength + 2);
  let at = chunk.write(sizeLine, 0, 'latin1');
  const frameStart = at;
  for (const event of events) {
    chunk.set(event.frame, at);
    at += event.frame.length;
  }
  chunk.write('\r\n', at, 'latin1');
  return { chunk, frame: chunk.subarray(frameStart, frameStart + frameLength) };
}

/** The SSE comment that keeps proxies from timing out an idle stream. */
export const KEEPALIVE = sseText(': keepalive\n\n');

/**
 * The frame that reports a stream that broke on our side, in the shape the Anthropic SDK raises as an
 * APIError. Its `id:` repeats the last event sent, so a client resuming from it misses nothing.
 */
export function sseErrorFrame(lastSentSeq: number, message: string): SseBytes {
  const body = JSON.stringify({ type: 'error', error: { type: 'api_error', message } });
  return sseText(`id: ${lastSentSeq}\nevent: error\ndata: ${body}\n\n`);
}
