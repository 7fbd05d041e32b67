import { DataSource } from 'typeorm';
import { waitFor } from '@lap/testing';
import { projectorDurableName } from '../src/projection/event-projector.service';
import { EventWriter, agentMessage } from './support/event-writer';
import { createSession, startTestGateway, type GatewayHarness } from './support/gateway-harness';

describe('event projection', () => {
  let harness: GatewayHarness;
  let writer: EventWriter;
  const session = async (id: string) => (await harness.authed('get', `/session/${id}`).expect(200)).body;
  const projectedSeq = async (id: string): Promise<number> => {
    const rows = await harness.gateway.app
      .get(DataSource)
      .query('SELECT last_event_seq FROM sessions WHERE id = $1', [id]);
    return Number(rows[0].last_event_seq);
  };

  beforeAll(async () => {
    harness = await startTestGateway('gwproj');
    writer = new EventWriter(harness.nats.client, harness.nats.names);
  });
  afterAll(() => harness.close());

  it('moves the session pending → running → idle and records its outputs', async () => {
    const id = await createSession(harness, { prompt: 'do it' });
    expect((await session(id)).status).toBe('pending');

    await writer.append(id, { type: 'session.status_running' });
    await waitFor(async () => (await session(id)).status === 'running', { what: 'running' });

    await writer.append(id, {
      type: 'session.updated',
      outputs: {
        cursor_agent_id: 'bc-123',
        cursor_run_id: 'run-1',
        branches: [{ repository: 'acme/repo', branch: 'fix', pr_url: 'https://github.com/acme/repo/pull/1' }],
      },
    });
    await writer.append(id, agentMessage('done'));
    await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const idle = await waitFor(
      async () => {
        const body = await session(id);
        return body.status === 'idle' && body;
      },
      { what: 'idle' },
    );
    expect(idle).toMatchObject({
      provider_session_id: 'bc-123',
      provider_run_id: 'run-1',
      outputs: { branches: [{ branch: 'fix', pr_url: 'https://github.com/acme/repo/pull/1' }] },
    });
  });

  it('reports error after a failed run, until the next run starts', async () => {
    const id = await createSession(harness);
    await writer.append(id, { type: 'session.status_running' });
    await writer.append(id, {
      type: 'session.error',
      error: { type: 'authentication_error', message: 'bad key', retry_status: { type: 'terminal' } },
    });
    const idle = await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await projectedSeq(id)) === idle.seq, { what: 'the idle event projected' });
    expect((await session(id)).status).toBe('error');
    await writer.append(id, { type: 'session.status_running' });
    await waitFor(async () => (await session(id)).status === 'running', { what: 'running again' });
  });

  it('lists the projected events in order, with limit and after', async () => {
    const id = await createSession(harness);
    const appended = [];
    for (let i = 0; i < 5; i++) appended.push(await writer.append(id, agentMessage(`m${i}`)));
    await waitFor(async () => {
      const list = await harness.authed('get', `/v1/sessions/${id}/events`);
      return list.body.data.length === 5;
    });
    const all = await harness.authed('get', `/v1/sessions/${id}/events`).expect(200);
    expect(all.body).toEqual({ data: appended.map((a) => a.event), next_page: null });

    const page = await harness.authed('get', `/v1/sessions/${id}/events?limit=2`).expect(200);
    expect(page.body.data).toEqual(appended.slice(0, 2).map((a) => a.event));
    const rest = await harness
      .authed('get', `/v1/sessions/${id}/events?page=${page.body.next_page}`)
      .expect(200);
    expect(rest.body.data).toEqual(appended.slice(2).map((a) => a.event));
    const afterId = await harness
      .authed('get', `/v1/sessions/${id}/events?after=${appended[3].event.id}`)
      .expect(200);
    expect(afterId.body.data).toEqual([appended[4].event]);
    const bad = await harness.authed('get', `/v1/sessions/${id}/events?limit=0`).expect(400);
    expect(bad.body.type).toBe('error');
  });

  it('projects each event once, even when the whole stream is delivered again', async () => {
    const id = await createSession(harness);
    await writer.append(id, { type: 'session.status_running' });
    await writer.append(id, agentMessage('once'));
    await writer.append(id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    await waitFor(async () => (await session(id)).status === 'idle', { what: 'idle' });

    // Replace the projector's durable consumer with a fresh one: every event is delivered again.
    const { jsm } = harness.nats.client;
    const stream = harness.nats.names.streams.events;
    const durable = projectorDurableName(harness.nats.names);
    const { config } = await jsm.consumers.info(stream, durable);
    await jsm.consumers.delete(stream, durable);
    await jsm.consumers.add(stream, config);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      },
      { what: 'the recreated consumer to catch up', timeoutMs: 30_000 },
    );
    const rows = await harness.gateway.app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM session_events WHERE session_id = $1', [id]);
    expect(rows[0].n).toBe(3);
    expect((await session(id)).status).toBe('idle');
  });
});
