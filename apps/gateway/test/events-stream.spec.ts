import { request as httpRequest } from 'http';
import net from 'net';
import { eventId, Header } from '@lap/contracts';
import { toNatsHeaders } from '@lap/messaging';
import { waitFor } from '@lap/testing';
import { EventWriter, agentMessage } from './support/event-writer';
import { createSession, MASTER_KEY, startTestGateway, type GatewayHarness } from './support/gateway-harness';
import { SseReader } from './support/sse-reader';

const AUTH = { authorization: `Bearer ${MASTER_KEY}` };

/** A stream's bytes exactly as a plain socket client gets them, over HTTP/1.1 or HTTP/1.0. */
class RawStream {
  private received = Buffer.alloc(0);
  private readonly socket: net.Socket;

  constructor(baseUrl: string, path: string, httpVersion: '1.1' | '1.0') {
    const url = new URL(baseUrl);
    this.socket = net.connect({ host: url.hostname, port: Number(url.port) });
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.socket.on('error', () => undefined);
    this.socket.write(
      `GET ${path} HTTP/${httpVersion}\r\nHost: ${url.host}\r\nAuthorization: Bearer ${MASTER_KEY}\r\n` +
        'Accept: text/event-stream\r\n\r\n',
    );
  }

  get head(): string {
    const text = this.received.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    return end < 0 ? '' : text.slice(0, end);
  }

  private get body(): Buffer {
    return this.received.subarray(Buffer.byteLength(this.head, 'latin1') + 4);
  }

  /** The body as sent, for a response that is not chunked. */
  get text(): string {
    return this.head ? this.body.toString('utf8') : '';
  }

  /** The body of a chunked response, decoded strictly: every complete chunk must be well formed. */
  get dechunked(): string {
    if (!this.head) return '';
    const body = this.body;
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const sizeLine = body.toString('latin1', at, lineEnd);
      if (!/^[0-9a-f]+$/.test(sizeLine)) throw new Error(`bad chunk size line ${JSON.stringify(sizeLine)}`);
      const size = Number.parseInt(sizeLine, 16);
      if (body.length < lineEnd + 2 + size + 2) break;
      if (body.toString('latin1', lineEnd + 2 + size, lineEnd + 4 + size) !== '\r\n') {
        throw new Error('a chunk does not end where its size says');
      }
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 4 + size;
    }
    return Buffer.concat(parts).toString('utf8');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** What a stream carries, keepalive comments aside. */
const withoutKeepalives = (text: string) => text.split(': keepalive\n\n').join('');

describe('session event stream (SSE)', () => {
  let harness: GatewayHarness;
  let writer: EventWriter;
  const readers: SseReader[] = [];

  const streamUrl = (sessionId: string, query = '') =>
    `${harness.url}/v1/sessions/${sessionId}/events/stream${query}`;
  const connect = async (sessionId: string, query = '', headers: Record<string, string> = {}) => {
    const reader = await SseReader.open(streamUrl(sessionId, query), { ...AUTH, ...headers });
    readers.push(reader);
    return reader;
  };
  const eventCount = (reader: SseReader, count: number) =>
    waitFor(() => reader.events.length >= count, { what: `${count} events`, timeoutMs: 30_000 });

  beforeAll(async () => {
    harness = await startTestGateway('gwsse');
    writer = new EventWriter(harness.nats.client, harness.nats.names);
  });
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    // Each test starts with no stream open, so counts it checks are its own.
    await waitFor(() => harness.streams.openCount === 0 && harness.fanout.stats().listeners === 0, {
      what: 'the previous streams released',
    });
  });
  afterAll(() => harness.close());

  it('replays the session from its start, then goes live, each frame with id, event and data', async () => {
    const sessionId = await createSession(harness);
    const appended = [
      await writer.append(sessionId, { type: 'session.status_running' }),
      await writer.append(sessionId, agentMessage('hello')),
      await writer.append(sessionId, {
        type: 'agent.tool_use',
        id: 'call_1',
        name: 'read_file',
        input: { path: 'a' },
      }),
    ];
    const reader = await connect(sessionId);
    expect(reader.status).toBe(200);
    expect(reader.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(reader.headers.get('cache-control')).toBe('no-cache');
    expect(reader.headers.get('x-accel-buffering')).toBe('no');
    await eventCount(reader, 3);

    appended.push(
      await writer.append(sessionId, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } }),
    );
    await eventCount(reader, 4);
    expect(reader.frames).toEqual(
      appended.map(({ seq, event }) => ({ id: String(seq), event: event.type, data: JSON.stringify(event) })),
    );
  });

  it('resumes with Last-Event-ID (or ?after=) exactly after that event', async () => {
    const sessionId = await createSession(harness);
    const seqs = await writer.appendMessages(sessionId, 10);
    const resumed = await connect(sessionId, '', { 'last-event-id': String(seqs[3]) });
    await eventCount(resumed, 6);
    const byQuery = await connect(sessionId, `?after=${seqs[7]}`);
    await eventCount(byQuery, 2);

    const more = await writer.appendMessages(sessionId, 2, 11);
    await eventCount(resumed, 8);
    await eventCount(byQuery, 4);
    expect(resumed.events.map((e) => e.id)).toEqual([...seqs.slice(4), ...more]);
    expect(byQuery.events.map((e) => e.id)).toEqual([...seqs.slice(8), ...more]);
  });

  it('resumes after an event id once it is projected, and ?live_only=true skips history', async () => {
    const sessionId = await createSession(harness);
    const first = await writer.append(sessionId, agentMessage('one'));
    const second = await writer.append(sessionId, agentMessage('two'));
    await waitFor(async () => {
      const list = await harness.authed('get', `/v1/sessions/${sessionId}/events`);
      return list.body.data?.length === 2;
    });
    const afterId = await connect(sessionId, `?after=${first.event.id}`);
    await eventCount(afterId, 1);
    expect(afterId.events.map((e) => e.body.id)).toEqual([second.event.id]);

    const liveOnly = await connect(sessionId, '?live_only=true');
    await waitFor(() => harness.fanout.stats().listeners >= 2);
    const third = await writer.append(sessionId, agentMessage('three'));
    await eventCount(liveOnly, 1);
    expect(liveOnly.events.map((e) => e.id)).toEqual([third.seq]);
  });

  it('neither loses nor repeats events appended while many clients catch up', async () => {
    const sessionId = await createSession(harness);
    await writer.appendMessages(sessionId, 100);
    const appending = writer.appendMessages(sessionId, 200, 101);
    const clients: SseReader[] = [];
    for (let i = 0; i < 20; i++) {
      clients.push(await connect(sessionId, i % 2 ? '' : '?beta=true'));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await appending;
    for (const client of clients) await eventCount(client, 300);
    // Give any duplicate a chance to arrive before comparing exactly.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const client of clients) {
      const texts = client.events.map((e) => (e.body.content as Array<{ text: string }>)[0].text);
      expect(texts).toEqual(Array.from({ length: 300 }, (_, i) => `message ${i + 1}`));
      const ids = client.events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('refills a hole from JetStream when a live event names a predecessor it never saw', async () => {
    const sessionId = await createSession(harness);
    await writer.appendMessages(sessionId, 1);
    const reader = await connect(sessionId);
    await eventCount(reader, 1);
    // This one reaches the fan-out labelled with another session, so the client never gets it live:
    // a stand-in for a dropped delivery.
    const missed = await writer.append(sessionId, agentMessage('missed live'), {
      sessionHeader: 'sesn_elsewhere',
    });
    const next = await writer.append(sessionId, agentMessage('after the hole'));
    await eventCount(reader, 3);
    expect(reader.events.map((e) => e.id).slice(1)).toEqual([missed.seq, next.seq]);
  });

  it('answers 404 for an unknown session before any stream starts', async () => {
    const reader = await connect('sesn_00000000000000000000000000');
    expect(reader.status).toBe(404);
    expect(reader.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('feeds every client from one NATS subscription', async () => {
    const sessions = await Promise.all(Array.from({ length: 5 }, () => createSession(harness)));
    for (const sessionId of sessions) await writer.appendMessages(sessionId, 2);
    const clients = await Promise.all(
      Array.from({ length: 30 }, (_, i) => connect(sessions[i % sessions.length])),
    );
    for (const client of clients) await eventCount(client, 2);
    expect(harness.fanout.stats()).toMatchObject({ liveConsumers: 1, consumersOpened: 1, listeners: 30 });
    // On the server: one consumer reads every session's live events, the whole stream (the catch-up
    // readers filter on one session's subject each).
    const liveReaders = [];
    for await (const info of await harness.nats.client.jsm.consumers.list(
      harness.nats.names.streams.events,
    )) {
      const filtered = Boolean(info.config.filter_subject || info.config.filter_subjects?.length);
      if (!info.config.durable_name && !filtered) liveReaders.push(info);
    }
    expect(liveReaders).toHaveLength(1);
    const before = harness.fanout.stats().eventsDispatched;
    await writer.appendMessages(sessions[0], 1, 3);
    for (const client of clients.filter((_, i) => i % sessions.length === 0)) await eventCount(client, 3);
    // One delivery from NATS, fanned out to the six clients of that session.
    expect(harness.fanout.stats().eventsDispatched).toBe(before + 1);
  });

  it('frees every listener and timer when 50 clients disconnect', async () => {
    const sessionId = await createSession(harness);
    await writer.appendMessages(sessionId, 3);
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(sessionId)));
    for (const client of clients) await eventCount(client, 3);
    expect(harness.fanout.stats().listeners).toBe(50);
    expect(harness.streams.openCount).toBe(50);
    for (const client of clients) client.close();
    await waitFor(() => harness.fanout.stats().listeners === 0 && harness.streams.openCount === 0, {
      what: 'every stream released',
    });
    expect(harness.fanout.stats().sessionsWatched).toBe(0);
    // The streams share one heartbeat timer, stopped with the last of them.
    expect(harness.streams.heartbeatRunning).toBe(false);
  });

  it('sends each event as exactly `id`, `event` and `data` lines, over HTTP/1.1 (chunked) and HTTP/1.0', async () => {
    const sessionId = await createSession(harness);
    const appended = [
      await writer.append(sessionId, agentMessage('history, with "quotes", é and ✓')),
      await writer.append(sessionId, { type: 'session.status_running' }),
    ];
    const path = `/v1/sessions/${sessionId}/events/stream`;
    const chunked = new RawStream(harness.url, path, '1.1');
    const plain = new RawStream(harness.url, path, '1.0');
    const expected = () =>
      appended
        .map(({ seq, event }) => `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
        .join('');
    try {
      await waitFor(() => chunked.dechunked.length > 0 && plain.text.length > 0, { what: 'the history' });
      await waitFor(() => harness.fanout.stats().listeners === 2, { what: 'both clients listening' });
      appended.push(await writer.append(sessionId, agentMessage('live')));
      appended.push(
        await writer.append(sessionId, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } }),
      );
      await waitFor(
        () =>
          withoutKeepalives(chunked.dechunked) === expected() && withoutKeepalives(plain.text) === expected(),
        { what: 'every frame, byte for byte' },
      );
      expect(chunked.head).toMatch(/^HTTP\/1\.1 200 /);
      expect(chunked.head).toMatch(/\r\ntransfer-encoding: chunked/i);
      expect(plain.head).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(plain.head).not.toMatch(/transfer-encoding/i);
    } finally {
      chunked.close();
      plain.close();
    }
  });

  it('skips a message on the events subject that is not an event, and the stream goes on', async () => {
    const sessionId = await createSession(harness);
    const first = await writer.append(sessionId, agentMessage('before'));
    const reader = await connect(sessionId);
    await eventCount(reader, 1);
    const subject = harness.nats.names.events(sessionId);
    const js = harness.nats.client.js;
    const eventHeaders = (number: number) =>
      toNatsHeaders({
        [Header.SessionId]: sessionId,
        [Header.EventType]: 'agent.message',
        [Header.EventNumber]: String(number),
      });
    await js.publish(subject, 'not json, no headers');
    await js.publish(subject, 'not json', { headers: eventHeaders(2) });
    await js.publish(subject, '[1,2]', { headers: eventHeaders(2) });
    await js.publish(subject, JSON.stringify({ no: 'type' }));
    // A real event, pretty-printed, numbered as if a bad message were the event before it: the gateway
    // refills that "hole" from JetStream (skipping the bad messages there too), then sends it on one line.
    const pretty = {
      type: 'agent.message',
      id: eventId(sessionId, 900, 0),
      content: [{ type: 'text', text: 'two\nlines' }],
      processed_at: new Date().toISOString(),
    };
    const prettyAck = await js.publish(subject, JSON.stringify(pretty, null, 2), {
      headers: eventHeaders(3),
    });
    const after = await writer.append(sessionId, agentMessage('after'));
    await eventCount(reader, 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const expectedIds = [first.seq, prettyAck.seq, after.seq];
    expect(reader.events.map((e) => e.id)).toEqual(expectedIds);
    expect(reader.frames.filter((f) => f.event !== undefined).map((f) => f.data)).toEqual([
      JSON.stringify(first.event),
      JSON.stringify(pretty),
      JSON.stringify(after.event),
    ]);
    // A client reading the history meets the same bad messages and skips them the same way.
    const replayed = await connect(sessionId);
    await eventCount(replayed, 3);
    expect(replayed.events.map((e) => e.id)).toEqual(expectedIds);
    expect(harness.fanout.stats()).toMatchObject({ liveConsumers: 1, consumersOpened: 1 });
  });

  it('delivers a burst complete and in order to many clients, handed over in batches', async () => {
    const sessionId = await createSession(harness);
    const [firstSeq] = await writer.appendMessages(sessionId, 1);
    const clients = await Promise.all(Array.from({ length: 40 }, () => connect(sessionId)));
    for (const client of clients) await eventCount(client, 1);
    await waitFor(() => harness.fanout.stats().listeners === 40, { what: 'every client listening' });
    const before = harness.fanout.stats();

    // Published without waiting for each ack, so the live consumer gets them in bursts, numbered after
    // the first event.
    const { nats } = harness;
    const count = 300;
    const acks = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const event = {
          type: 'agent.message',
          id: eventId(sessionId, 1000 + i, 0),
          content: [{ type: 'text', text: `burst ${i}` }],
          processed_at: new Date().toISOString(),
        };
        return nats.client.js.publish(nats.names.events(sessionId), JSON.stringify(event), {
          headers: toNatsHeaders({
            'Nats-Msg-Id': event.id,
            [Header.SessionId]: sessionId,
            [Header.EventId]: event.id,
            [Header.EventType]: event.type,
            [Header.EventNumber]: String(i + 2),
          }),
        });
      }),
    );
    const ids = [firstSeq, ...acks.map((ack) => ack.seq)];
    for (const client of clients) await eventCount(client, count + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const client of clients) {
      expect(client.events.map((e) => e.id)).toEqual(ids);
      expect(client.events.slice(1).map((e) => (e.body.content as Array<{ text: string }>)[0].text)).toEqual(
        Array.from({ length: count }, (_, i) => `burst ${i}`),
      );
    }
    const after = harness.fanout.stats();
    expect(after.eventsDispatched - before.eventsDispatched).toBe(count);
    expect(after.batchesDispatched - before.batchesDispatched).toBeLessThan(count);
  });
});

describe('session event stream: many connect/disconnect cycles', () => {
  let harness: GatewayHarness;
  let writer: EventWriter;

  beforeAll(async () => {
    harness = await startTestGateway('gwcycles');
    writer = new EventWriter(harness.nats.client, harness.nats.names);
  });
  afterAll(() => harness.close());

  const consumerCount = async () => {
    let count = 0;
    for await (const _info of await harness.nats.client.jsm.consumers.list(
      harness.nats.names.streams.events,
    )) {
      count++;
    }
    return count;
  };

  it('frees every listener, timer and NATS consumer over 200 cycles, cut at random points while events flow', async () => {
    const sessionId = await createSession(harness);
    await writer.appendMessages(sessionId, 50);
    const consumersBefore = await consumerCount();
    let appending = true;
    const appender = (async () => {
      for (let i = 51; appending; i++) await writer.appendMessages(sessionId, 1, i);
    })();
    const url = `${harness.url}/v1/sessions/${sessionId}/events/stream`;
    for (let cycle = 0; cycle < 200; cycle++) {
      if (cycle % 4 === 0) {
        // Gone before the answer even started: while the gateway was still checking the request.
        const abort = new AbortController();
        const request = fetch(url, { headers: AUTH, signal: abort.signal }).catch(() => undefined);
        setTimeout(() => abort.abort(), Math.random() * 5);
        await request;
        continue;
      }
      const reader = await SseReader.open(url, AUTH);
      // Cut during catch-up, right after it, or while live.
      await new Promise((resolve) => setTimeout(resolve, cycle % 3 === 0 ? 0 : Math.random() * 20));
      reader.close();
    }
    appending = false;
    await appender;
    await waitFor(() => harness.streams.openCount === 0 && harness.fanout.stats().listeners === 0, {
      what: 'every stream released',
      timeoutMs: 30_000,
    });
    expect(harness.fanout.stats()).toMatchObject({
      sessionsWatched: 0,
      liveConsumers: 1,
      consumersOpened: 1,
    });
    await waitFor(async () => (await consumerCount()) === consumersBefore, {
      what: 'the catch-up consumers deleted',
      timeoutMs: 30_000,
    });
    // And the gateway still streams: a fresh client gets the whole history.
    const total = (await harness.authed('get', `/v1/sessions/${sessionId}/events?limit=1000`)).body.data
      .length;
    const last = await SseReader.open(url, AUTH);
    await waitFor(() => last.events.length >= total, { what: 'the full history', timeoutMs: 30_000 });
    last.close();
  }, 120_000);
});

describe('session event stream: heartbeats and slow clients', () => {
  let harness: GatewayHarness;
  let writer: EventWriter;

  beforeAll(async () => {
    harness = await startTestGateway('gwslow', {
      SSE_HEARTBEAT_MS: '50',
      SSE_MAX_BUFFERED_BYTES: String(1024 * 1024),
    });
    writer = new EventWriter(harness.nats.client, harness.nats.names);
  });
  afterAll(() => harness.close());

  it('sends keepalive comments', async () => {
    const sessionId = await createSession(harness);
    const reader = await SseReader.open(`${harness.url}/v1/sessions/${sessionId}/events/stream`, AUTH);
    await waitFor(() => reader.comments.filter((c) => c === 'keepalive').length >= 2, {
      what: 'two keepalives',
    });
    reader.close();
  });

  it('disconnects a client that stops reading, without holding up the others', async () => {
    const sessionId = await createSession(harness);
    const stalled = httpRequest(`${harness.url}/v1/sessions/${sessionId}/events/stream`, { headers: AUTH });
    stalled.on('response', (response) => response.pause());
    stalled.on('error', () => undefined);
    stalled.end();
    await waitFor(() => harness.streams.openCount === 1, { what: 'the stalled client connected' });
    const healthy = await SseReader.open(`${harness.url}/v1/sessions/${sessionId}/events/stream`, AUTH);
    await waitFor(() => harness.streams.openCount === 2, { what: 'the healthy client connected' });

    // How much a paused socket absorbs depends on the kernel's buffers: write until the gateway gives
    // up on the stalled client (bounded). The healthy client is let catch up after every batch, so it
    // never lags by more than a batch (half the limit), however slow this process is to read.
    const big = 'x'.repeat(32 * 1024);
    const received = () => healthy.frames.filter((frame) => frame.event !== undefined).length;
    let healthyDropped = false;
    void healthy.ended.then(() => (healthyDropped = true));
    let written = 0;
    while (harness.streams.openCount === 2 && written < 2_000) {
      for (let i = 0; i < 16; i++) await writer.append(sessionId, agentMessage(`${written++}:${big}`));
      // Count frames rather than parse them: parsing megabytes on every poll would slow this very client.
      await waitFor(() => received() === written || healthyDropped, { what: 'the healthy client caught up' });
    }
    await waitFor(() => harness.streams.openCount === 1, {
      what: 'the stalled client dropped',
      timeoutMs: 30_000,
    });
    expect(healthyDropped).toBe(false);
    await waitFor(() => received() === written, {
      what: 'the healthy client got everything',
      timeoutMs: 30_000,
    }).catch((error: Error) => {
      throw new Error(`${error.message} (${received()} of ${written} events)`);
    });
    healthy.close();
    stalled.destroy();
  }, 120_000);
});
