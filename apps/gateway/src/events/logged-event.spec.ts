import { Header } from '@lap/contracts';
import { EventBatch } from './event-batch';
import { KEEPALIVE, loggedEventOf, recordLookup, sseErrorFrame, type SseBytes } from './logged-event';

const SUBJECT = 'lap.events.sesn_subject';
const headers = (type?: string, number?: string, session?: string) =>
  recordLookup({
    ...(type === undefined ? {} : { [Header.EventType]: type }),
    ...(number === undefined ? {} : { [Header.EventNumber]: number }),
    ...(session === undefined ? {} : { [Header.SessionId]: session }),
  });
const bytes = (text: string) => new Uint8Array(Buffer.from(text));

/** Reads one HTTP/1.1 chunk strictly: size line, exactly that many bytes, CRLF, nothing more. */
function unchunk(chunk: Buffer): string {
  const text = chunk.toString('latin1');
  const lineEnd = text.indexOf('\r\n');
  const size = Number.parseInt(text.slice(0, lineEnd), 16);
  expect(text.slice(0, lineEnd)).toBe(size.toString(16));
  expect(text.slice(lineEnd + 2 + size)).toBe('\r\n');
  return chunk.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8');
}

const frameText = (sse: SseBytes) => sse.frame.toString('utf8');

describe('loggedEventOf', () => {
  it('sends the body as published, framed as `id`, `event`, `data`, and the same bytes as one HTTP chunk', () => {
    const json = JSON.stringify({
      type: 'agent.message',
      id: 'sevt_1',
      content: [{ type: 'text', text: 'é ✓' }],
    });
    const event = loggedEventOf(42, SUBJECT, headers('agent.message', '41', 'sesn_header'), bytes(json));
    expect(event).toMatchObject({ seq: 42, sessionId: 'sesn_header', number: 41, type: 'agent.message' });
    expect(frameText(event)).toBe(`id: 42\nevent: agent.message\ndata: ${json}\n\n`);
    expect(unchunk(event.chunk)).toBe(frameText(event));
  });

  it('takes the session from the subject when the header is missing, and no number when none is given', () => {
    const event = loggedEventOf(1, SUBJECT, headers('x.y'), bytes('{"type":"x.y"}'));
    expect(event.sessionId).toBe('sesn_subject');
    expect(event.number).toBeUndefined();
    expect(loggedEventOf(2, SUBJECT, headers('x.y', '1e3'), bytes('{"type":"x.y"}')).number).toBeUndefined();
  });

  it('re-serializes a body spread over several lines, since a `data:` line cannot hold a line break', () => {
    const pretty = JSON.stringify({ type: 'agent.message', text: 'a\nb' }, null, 2);
    expect(pretty).toContain('\n');
    const event = loggedEventOf(3, SUBJECT, headers('agent.message', '2'), bytes(pretty));
    expect(frameText(event)).toBe(
      `id: 3\nevent: agent.message\ndata: ${JSON.stringify(JSON.parse(pretty))}\n\n`,
    );
    expect(frameText(event).split('\n')).toHaveLength(5);
    const crlf = loggedEventOf(4, SUBJECT, headers('t'), bytes('{"type":\r\n"t"}'));
    expect(frameText(crlf)).toBe('id: 4\nevent: t\ndata: {"type":"t"}\n\n');
  });

  it('parses a message without a type header and takes the type from the body', () => {
    const event = loggedEventOf(5, SUBJECT, headers(), bytes(' {"type":"session.status_idle"} '));
    expect(event.type).toBe('session.status_idle');
    expect(frameText(event)).toBe(
      'id: 5\nevent: session.status_idle\ndata: {"type":"session.status_idle"}\n\n',
    );
  });

  it.each([
    ['a body that is not JSON', headers(), 'not json'],
    ['a body that is not JSON, even with a type header', headers('agent.message'), 'not json'],
    ['a JSON array', headers('agent.message'), '[1,2]'],
    ['a JSON string', headers('agent.message'), '"{}"'],
    ['null', headers('agent.message'), 'null'],
    ['an object without a type', headers(), '{"id":"sevt_1"}'],
    ['an empty body', headers('agent.message'), ''],
    ['a type with a line break', headers(), '{"type":"a\\nb"}'],
  ])('rejects %s', (_what, header, body) => {
    expect(() => loggedEventOf(9, SUBJECT, header, bytes(body))).toThrow(
      /message 9 on lap\.events\.sesn_subject/,
    );
  });
});

describe('EventBatch', () => {
  const event = (seq: number, number?: number) =>
    loggedEventOf(
      seq,
      SUBJECT,
      headers('t', number === undefined ? undefined : String(number)),
      bytes('{"type":"t"}'),
    );

  it("joins a burst's frames in order, as one chunk", () => {
    const batch = new EventBatch([event(10, 4), event(11, 5), event(12, 6)]);
    expect(batch.chained).toBe(true);
    expect(frameText(batch.bytes)).toBe(
      [10, 11, 12].map((seq) => `id: ${seq}\nevent: t\ndata: {"type":"t"}\n\n`).join(''),
    );
    expect(unchunk(batch.bytes.chunk)).toBe(frameText(batch.bytes));
    expect(batch.bytes).toBe(batch.bytes);
  });

  it('uses the only event as is', () => {
    const only = event(3, 2);
    expect(new EventBatch([only]).bytes).toBe(only);
  });

  it('is not chained when an event is numbered past the one after the event before it', () => {
    // Sequences need not be consecutive (other sessions' events sit between), numbers must.
    expect(new EventBatch([event(10, 4), event(20, 5)]).chained).toBe(true);
    expect(new EventBatch([event(10, 4), event(12, 6)]).chained).toBe(false);
    expect(new EventBatch([event(10, 4), event(12)]).chained).toBe(true);
    expect(new EventBatch([event(10), event(10)]).chained).toBe(false);
  });
});

describe('fixed frames', () => {
  it('keepalive and error frames are framed like events', () => {
    expect(frameText(KEEPALIVE)).toBe(': keepalive\n\n');
    expect(unchunk(KEEPALIVE.chunk)).toBe(': keepalive\n\n');
    const error = sseErrorFrame(7, 'boom');
    expect(frameText(error)).toBe(
      'id: 7\nevent: error\ndata: {"type":"error","error":{"type":"api_error","message":"boom"}}\n\n',
    );
    expect(unchunk(error.chunk)).toBe(frameText(error));
  });
});
