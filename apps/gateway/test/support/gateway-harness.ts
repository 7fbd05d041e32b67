import request from 'supertest';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@lap/testing';
import { EventFanout, loadGatewayConfig, SseStreams, startGateway, type RunningGateway } from '../../src';

export const MASTER_KEY = 'test-master-key-0123456789abcdef';

/** A gateway on a free port, with its own database and NATS prefix; `close()` removes all of it. */
export interface GatewayHarness {
  gateway: RunningGateway;
  url: string;
  db: TestDatabase;
  nats: TestNats;
  fanout: EventFanout;
  streams: SseStreams;
  /** supertest against the gateway; `authed` adds the master key. */
  http: ReturnType<typeof request>;
  authed(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string): request.Test;
  close(): Promise<void>;
}

export async function startTestGateway(
  label: string,
  env: Record<string, string> = {},
): Promise<GatewayHarness> {
  const db = await createTestDatabase(label);
  const nats = await createTestNats(label);
  const gateway = await startGateway(
    loadGatewayConfig({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      LAP_PREFIX: nats.prefix,
      PORT: '0',
      LAP_MASTER_KEY: MASTER_KEY,
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
      ...env,
    }),
  );
  const http = request(gateway.url);
  return {
    gateway,
    url: gateway.url,
    db,
    nats,
    fanout: gateway.app.get(EventFanout),
    streams: gateway.app.get(SseStreams),
    http,
    authed: (method, path) => http[method](path).set('authorization', `Bearer ${MASTER_KEY}`),
    close: async () => {
      await gateway.close();
      await nats.cleanup();
      await db.drop();
    },
  };
}

/** Creates a cursor agent through the API and returns its id. */
export async function createAgent(
  harness: GatewayHarness,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const response = await harness
    .authed('post', '/api/agents')
    .send({ name: 'test-agent', runtime: 'cursor', model: 'claude-opus-4-5', system: 'Be brief.', ...fields })
    .expect(201);
  return response.body.id as string;
}

/** Creates a session (without a prompt unless given) and returns its id. */
export async function createSession(
  harness: GatewayHarness,
  body: Record<string, unknown> = {},
): Promise<string> {
  const agentId = await createAgent(harness);
  const response = await harness
    .authed('post', '/session')
    .send({ agent_id: agentId, ...body })
    .expect(201);
  return response.body.id as string;
}
