import { EventEmitter } from 'events';
import type { Response } from 'express';
import { Header } from '@lap/contracts';
import { EventBatch } from './event-batch';
import type { EventFanout, LiveEventListener } from './event-fanout.service';
import type { EventLogReader } from './event-log.reader';
import { loggedEventOf, recordLookup, type LoggedEvent } from './logged-event';
import { SseClient, type SseClientSettings } from './sse-client';

/** Just enough of an express Response to watch what a stream writes. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  ended = false;
  destroyed = false;
  writableLength = 0;
  /** What `write` answers: false plays a full socket buffer. */
  accepting = true;
  writeHead() {
    return this;
  }
  flushHeaders() {}
  write(chunk: string | Buffer) {
    this.chunks.push(chunk.toString());
    return this.accepting;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

function clientWith(reader: Partial<EventLogReader>, settings: Partial<SseClientSettings> = {}) {
  const response = new FakeResponse();
  let unsubscribed = 0;
  let listener: LiveEventListener | undefined;
  const fanout = {
    subscribe: (_sessionId: string, added: LiveEventListener) => {
      listener = added;
      return () => unsubscribed++;
    },
  } as unknown as EventFanout;
  const closed: SseClient[] = [];
  const client = new SseClient(
    response as unknown as Response,
    'sesn_x',
    {
      fanout,
      reader: reader as EventLogReader,
      logger: { log() {}, warn() {}, error() {} },
      settings: { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20, ...settings },
    },
    (c) => closed.push(c),
  );
  /** Delivers live events as the fan-out would: one batch. */
  const push = (...events: LoggedEvent[]) => listener!(new EventBatch(events));
  return { client, response, closed, unsubscribed: () => unsubscribed, push };
}

/** An event as the normalizer publishes it: the type and its number in the session in headers. */
const event = (seq: number, number = seq) =>
  loggedEventOf(
    seq,
    'lap.events.sesn_x',
    recordLookup({ [Header.EventType]: 'agent.message', [Header.EventNumber]: String(number) }),
    new Uint8Array(Buffer.from(JSON.stringify({ type: 'agent.message', n: seq }))),
  );
const frame = (seq: number) =>
  `id: ${seq}\nevent: agent.message\ndata: {"type":"agent.message","n":${seq}}\n\n`;
/** Lets the client's pending promises (replay, pump) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const noHistory: Partial<EventLogReader> = {
  newest: async () => ({ seq: 0, number: 0 }),
  // eslint-disable-next-line require-yield
  read: async function* () {
    return;
  },
};

describe('SseClient', () => {
  it('reports a failure to read the log as an `event: error` frame the SDK raises, then ends and frees everything', async () => {
    const { client, response, closed, unsubscribed } = clientWith({
      newest: async () => {
        throw new Error('JetStream unavailable');
      },
    });
    await client.run(7);
    expect(response.chunks).toEqual([
      'id: 7\nevent: error\ndata: {"type":"error","error":{"type":"api_error","message":"the event stream failed; reconnect with Last-Event-ID"}}\n\n',
    ]);
    expect(response.ended).toBe(true);
    expect(response.destroyed).toBe(false);
    expect(closed).toEqual([client]);
    expect(unsubscribed()).toBe(1);
  });

  it('frees everything at once when the client left before the stream could start', async () => {
    const { client, response, closed, unsubscribed } = clientWith({
      newest: async () => ({ seq: 0, number: 0 }),
    });
    response.destroyed = true;
    await client.run(0);
    expect(client.isClosed).toBe(true);
    expect(closed).toEqual([client]);
    expect(response.chunks).toEqual([]);
    expect(unsubscribed()).toBe(0);
  });

  it('sends no error frame when the client itself went away', async () => {
    let release: () => void = () => undefined;
    const { client, response } = clientWith({
      newest: () =>
        new Promise<{ seq: number; number: number }>((_resolve, reject) => {
          release = () => reject(new Error('aborted'));
        }),
    });
    const running = client.run(0);
    response.emit('close');
    release();
    await running;
    expect(response.chunks.some((chunk) => chunk.includes('event: error'))).toBe(false);
  });

  it('writes a live burst to a caught-up client at once, as one write, in order', async () => {
    const { client, response, push } = clientWith(noHistory);
    void client.run(0);
    await settle();
    push(event(1), event(2), event(3));
    // Written from the fan-out's callback itself: no queue, no wake-up.
    expect(response.chunks).toEqual([frame(1) + frame(2) + frame(3)]);
    push(event(4));
    expect(response.chunks).toEqual([frame(1) + frame(2) + frame(3), frame(4)]);
    client.close();
  });

  it('holds live events while the socket is full, then sends them in order once it drains', async () => {
    const { client, response, push } = clientWith(noHistory);
    void client.run(0);
    await settle();
    response.accepting = false;
    push(event(1));
    push(event(2));
    push(event(3), event(4));
    await settle();
    expect(response.chunks).toEqual([frame(1)]);
    response.accepting = true;
    response.emit('drain');
    await settle();
    expect(response.chunks).toEqual([1, 2, 3, 4].map(frame));
    // Caught up again: the next one goes out at once.
    push(event(5));
    expect(response.chunks.at(-1)).toBe(frame(5));
    client.close();
  });

  it('drops a client whose backlog outgrows the limit while its socket is full', async () => {
    const { client, response, closed, push, unsubscribed } = clientWith(noHistory, { maxBufferedBytes: 300 });
    void client.run(0);
    await settle();
    response.accepting = false;
    for (let seq = 1; seq <= 10 && !client.isClosed; seq++) push(event(seq));
    expect(client.isClosed).toBe(true);
    expect(response.destroyed).toBe(true);
    expect(response.ended).toBe(false);
    expect(closed).toEqual([client]);
    expect(unsubscribed()).toBe(1);
  });

  it('refills a hole from the log before a live event numbered past the next one', async () => {
    const reads: Array<[number, number]> = [];
    const { client, response, push } = clientWith({
      newest: async () => ({ seq: 0, number: 0 }),
      read: async function* (_sessionId: string, afterSeq: number, untilSeq: number) {
        reads.push([afterSeq, untilSeq]);
        if (afterSeq < 2 && untilSeq >= 2) yield event(2);
      },
    });
    void client.run(0);
    await settle();
    push(event(1));
    push(event(3));
    await settle();
    expect(reads).toEqual([[1, 2]]);
    expect(response.chunks).toEqual([1, 2, 3].map(frame));
    client.close();
  });

  it('refills a hole after the point a client resumed from, knowing the number of the event there', async () => {
    const reads: Array<[number, number]> = [];
    const { client, response, push } = clientWith({
      newest: async () => ({ seq: 10, number: 4 }),
      read: async function* (_sessionId: string, afterSeq: number, untilSeq: number) {
        reads.push([afterSeq, untilSeq]);
        if (afterSeq < 11 && untilSeq >= 11) yield event(11, 5);
      },
    });
    void client.run(10);
    await settle();
    push(event(12, 6));
    await settle();
    expect(reads).toEqual([[10, 11]]);
    expect(response.chunks.join('')).toBe(frame(11) + frame(12));
    // Numbered one past the last sent: straight through.
    push(event(13, 7));
    expect(response.chunks.at(-1)).toBe(frame(13));
    client.close();
  });

  it('sends a keepalive only after a whole heartbeat period of silence', async () => {
    const { client, response, push } = clientWith(noHistory);
    void client.run(0);
    await settle();
    client.heartbeat();
    expect(response.chunks).toEqual([]);
    client.heartbeat();
    expect(response.chunks).toEqual([': keepalive\n\n']);
    client.heartbeat();
    push(event(1));
    client.heartbeat();
    expect(response.chunks).toEqual([': keepalive\n\n', frame(1)]);
    client.heartbeat();
    expect(response.chunks).toEqual([': keepalive\n\n', frame(1), ': keepalive\n\n']);
    client.close();
  });
});
