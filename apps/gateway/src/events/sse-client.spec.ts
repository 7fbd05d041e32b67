import { EventEmitter } from 'events';
import type { Response } from 'express';
import type { EventFanout } from './event-fanout.service';
import type { EventLogReader } from './event-log.reader';
import { SseClient } from './sse-client';

/** Just enough of an express Response to watch what a stream writes. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  ended = false;
  destroyed = false;
  writableLength = 0;
  writeHead() {
    return this;
  }
  flushHeaders() {}
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

function clientWith(reader: Partial<EventLogReader>) {
  const response = new FakeResponse();
  let unsubscribed = 0;
  const fanout = { subscribe: () => () => unsubscribed++ } as unknown as EventFanout;
  const closed: SseClient[] = [];
  const client = new SseClient(
    response as unknown as Response,
    'sesn_x',
    {
      fanout,
      reader: reader as EventLogReader,
      logger: { log() {}, warn() {}, error() {} },
      settings: { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 },
    },
    (c) => closed.push(c),
  );
  return { client, response, closed, unsubscribed: () => unsubscribed };
}

describe('SseClient', () => {
  it('reports a failure to read the log as an `event: error` frame the SDK raises, then ends and frees everything', async () => {
    const { client, response, closed, unsubscribed } = clientWith({
      newestSeq: async () => {
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
    const { client, response, closed, unsubscribed } = clientWith({ newestSeq: async () => 0 });
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
      newestSeq: () =>
        new Promise<number>((_resolve, reject) => {
          release = () => reject(new Error('aborted'));
        }),
    });
    const running = client.run(0);
    response.emit('close');
    release();
    await running;
    expect(response.chunks.some((chunk) => chunk.includes('event: error'))).toBe(false);
  });
});
