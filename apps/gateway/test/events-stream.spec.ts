import { request as httpRequest } from 'http';
import { waitFor } from '@lap/testing';
import { EventWriter, agentMessage } from './support/event-writer';
import { createSession, MASTER_KEY, startTestGateway, type GatewayHarness } from './support/gateway-harness';
import { SseReader } from './support/sse-reader';

const AUTH = { authorization: `Bearer ${MASTER_KEY}` };

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
    // On the server: one consumer reads every session's live events (the catch-up readers filter on
    // one session's subject each; the projector's is durable).
    const liveReaders = [];
    for await (const info of await harness.nats.client.jsm.consumers.list(
      harness.nats.names.streams.events,
    )) {
      const filter = info.config.filter_subject ?? info.config.filter_subjects?.[0];
      if (!info.config.durable_name && filter === harness.nats.names.allEvents) liveReaders.push(info);
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
    harness = await startTestGateway('gwslow', { SSE_HEARTBEAT_MS: '50', SSE_MAX_BUFFERED_BYTES: '65536' });
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
    // up on the stalled client (bounded), then check the healthy one got every event.
    const big = 'x'.repeat(32 * 1024);
    let written = 0;
    while (harness.streams.openCount === 2 && written < 2_000) {
      for (let i = 0; i < 50; i++) await writer.append(sessionId, agentMessage(`${written++}:${big}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(() => harness.streams.openCount === 1, {
      what: 'the stalled client dropped',
      timeoutMs: 30_000,
    });
    // Count frames rather than parse them: parsing megabytes on every poll would slow this very client.
    await waitFor(() => healthy.frames.filter((frame) => frame.event !== undefined).length === written, {
      what: 'the healthy client got everything',
      timeoutMs: 30_000,
    });
    healthy.close();
    stalled.destroy();
  }, 120_000);
});
