import {
  createTestDatabase,
  createTestNats,
  waitFor,
  type TestDatabase,
  type TestNats,
  DatabaseRelay,
} from '@lap/testing';
import request from 'supertest';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../src';
import { EventProjector } from '../src/projection/event-projector.service';
import { EventWriter, agentMessage } from './support/event-writer';
import { MASTER_KEY } from './support/gateway-harness';

/** The projection into PostgreSQL catches up, once and in order, after the gateway or the database was down. */
describe('projection recovery', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let writer: EventWriter;
  const gateways: RunningGateway[] = [];

  const start = async (databaseUrl = db.url) => {
    const gateway = await startGateway(
      loadGatewayConfig({
        DATABASE_URL: databaseUrl,
        NATS_URL: nats.url,
        LAP_PREFIX: nats.prefix,
        PORT: '0',
        LAP_MASTER_KEY: MASTER_KEY,
        LOG_LEVEL: 'error',
        NODE_ENV: 'test',
      }),
    );
    gateways.push(gateway);
    return gateway;
  };
  const api = (gateway: RunningGateway) => ({
    get: (path: string) => request(gateway.url).get(path).set('x-api-key', MASTER_KEY),
    post: (path: string) => request(gateway.url).post(path).set('x-api-key', MASTER_KEY),
  });
  const newSession = async (gateway: RunningGateway) => {
    const agent = await api(gateway)
      .post('/api/agents')
      .send({ name: 'a', runtime: 'cursor', model: 'm' })
      .expect(201);
    return (await api(gateway).post('/session').send({ agent_id: agent.body.id }).expect(201)).body
      .id as string;
  };
  const aRun = async (sessionId: string) => {
    await writer.append(sessionId, { type: 'session.status_running' });
    await writer.append(sessionId, agentMessage('done the work'));
    await writer.append(sessionId, {
      type: 'session.updated',
      outputs: {
        branches: [
          { repository: 'https://github.com/a/b', branch: 'fix', pr_url: 'https://github.com/a/b/pull/1' },
        ],
      },
    });
    await writer.append(sessionId, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  };
  const caughtUp = async (gateway: RunningGateway, sessionId: string) => {
    await waitFor(
      async () => {
        const session = await api(gateway).get(`/session/${sessionId}`);
        return session.body.status === 'idle' && session.body.outputs.branches?.length === 1;
      },
      { what: 'the session projected idle with its branch', timeoutMs: 60_000 },
    );
    const events = await api(gateway).get(`/v1/sessions/${sessionId}/events`).expect(200);
    expect(events.body.data.map((event: { type: string }) => event.type)).toEqual([
      'session.status_running',
      'agent.message',
      'session.updated',
      'session.status_idle',
    ]);
  };

  beforeAll(async () => {
    db = await createTestDatabase('gwrecovery');
    nats = await createTestNats('gwrecovery');
    writer = new EventWriter(nats.client, nats.names);
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await nats.cleanup();
    await db.drop();
  });

  it('catches up on events published while no gateway was running', async () => {
    const first = await start();
    const sessionId = await newSession(first);
    await first.close();
    await aRun(sessionId);
    const second = await start();
    await caughtUp(second, sessionId);
    await second.close();
  }, 120_000);

  it('projects what was published before it started, when a live event comes while it reads that back', async () => {
    const first = await start();
    const sessionId = await newSession(first);
    await first.close();
    const history = [];
    for (let i = 0; i < 1500; i++) history.push(await writer.append(sessionId, agentMessage(`m${i}`)));

    const second = await start();
    const projector = second.app.get(EventProjector, { strict: false });
    await waitFor(() => projector.stats().leading, { what: 'the gateway to lead', intervalMs: 1 });
    // The live event reaches the fan-out's feed as the first message it ever received, while the
    // gateway still reads the history back.
    const live = await writer.append(sessionId, {
      type: 'session.status_idle',
      stop_reason: { type: 'end_turn' },
    });
    await waitFor(
      async () => {
        const session = await api(second).get(`/session/${sessionId}`);
        return session.body.status === 'idle';
      },
      { what: 'the live event projected', timeoutMs: 30_000 },
    );
    const listed = [];
    let page: string | null = null;
    do {
      const query: string = page ? `&page=${page}` : '';
      const body = (await api(second).get(`/v1/sessions/${sessionId}/events?limit=100${query}`).expect(200))
        .body;
      listed.push(...body.data.map((event: { id: string }) => event.id));
      page = body.next_page;
    } while (page);
    expect(listed).toEqual([...history, live].map((appended) => appended.event.id));
    await second.close();
  }, 120_000);

  it('answers 503 while the database is down, then catches up by itself when it returns', async () => {
    const target = new URL(db.url);
    const proxy = new DatabaseRelay({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.restore();
    try {
      const viaProxy = new URL(db.url);
      viaProxy.port = String(proxy.port);
      const gateway = await start(viaProxy.toString());
      const sessionId = await newSession(gateway);

      await proxy.cut();
      await aRun(sessionId);
      const lap = await api(gateway).get(`/session/${sessionId}`).expect(503);
      expect(lap.body).toEqual({
        error: { type: 'service_unavailable_error', message: 'database unavailable, retry shortly' },
      });
      const anthropic = await api(gateway).get(`/v1/sessions/${sessionId}`).expect(503);
      expect(anthropic.body).toEqual({
        type: 'error',
        error: { type: 'service_unavailable_error', message: 'database unavailable, retry shortly' },
      });

      await proxy.restore();
      await caughtUp(gateway, sessionId);
      await gateway.close();
    } finally {
      await proxy.cut();
    }
  }, 120_000);
});
