import { createSession, MASTER_KEY, startTestGateway, type GatewayHarness } from './support/gateway-harness';
import { SseReader } from './support/sse-reader';

describe('gateway auth and error shapes', () => {
  let harness: GatewayHarness;
  let sessionId: string;

  beforeAll(async () => {
    harness = await startTestGateway('gwauth');
    sessionId = await createSession(harness);
  });
  afterAll(() => harness.close());

  describe('auth', () => {
    it('refuses a request without a key, in the LAP shape on LAP routes', async () => {
      const response = await harness.http.get('/api/agents').expect(401);
      expect(response.body).toEqual({
        error: { type: 'authentication_error', message: expect.stringContaining('missing API key') },
      });
    });

    it('refuses a wrong key, in the Anthropic shape under /v1/', async () => {
      const response = await harness.http
        .get(`/v1/sessions/${sessionId}/events`)
        .set('x-api-key', 'wrong')
        .expect(401);
      expect(response.body).toEqual({
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid API key' },
      });
    });

    it('accepts the key as a Bearer token or as x-api-key', async () => {
      await harness.http.get('/api/agents').set('authorization', `Bearer ${MASTER_KEY}`).expect(200);
      await harness.http.get('/api/agents').set('x-api-key', MASTER_KEY).expect(200);
      await harness.http.get('/api/agents').set('authorization', `Bearer ${MASTER_KEY}x`).expect(401);
    });

    it('accepts ?key= on the event routes only', async () => {
      await harness.http.get(`/api/agents?key=${MASTER_KEY}`).expect(401);
      await harness.http.get(`/session?key=${MASTER_KEY}`).expect(401);
      await harness.http.get(`/v1/sessions/${sessionId}/events?key=${MASTER_KEY}`).expect(200);
      const stream = await SseReader.open(
        `${harness.url}/v1/sessions/${sessionId}/events/stream?key=${MASTER_KEY}`,
      );
      expect(stream.status).toBe(200);
      stream.close();
      const refused = await SseReader.open(`${harness.url}/v1/sessions/${sessionId}/events/stream?key=nope`);
      expect(refused.status).toBe(401);
    });

    it('ignores what the Anthropic SDK adds: ?beta=true and anthropic-* headers', async () => {
      const response = await harness.http
        .get(`/v1/sessions/${sessionId}/events?beta=true`)
        .set('x-api-key', MASTER_KEY)
        .set('anthropic-version', '2023-06-01')
        .set('anthropic-beta', 'managed-agents-2026-04-01')
        .expect(200);
      expect(response.body).toEqual({ data: [], next_page: null });
    });

    it('leaves /health and /readyz public', async () => {
      await harness.http.get('/health').expect(200, { status: 'ok' });
      const ready = await harness.http.get('/readyz').expect(200);
      expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'ok', nats: 'ok' } });
    });
  });

  describe('errors', () => {
    it('names the problem in a malformed JSON body', async () => {
      const response = await harness
        .authed('post', '/api/agents')
        .set('content-type', 'application/json')
        .send('{"name": "x",')
        .expect(400);
      expect(response.body).toEqual({
        error: { type: 'invalid_request_error', message: expect.stringMatching(/^malformed JSON body: /) },
      });
    });

    it('lists every bad field', async () => {
      const response = await harness
        .authed('post', '/api/agents')
        .send({ runtime: 'cursor', model: 7 })
        .expect(400);
      expect(response.body).toEqual({
        error: {
          type: 'invalid_request_error',
          message: 'name: expected a string, got nothing; model: expected a string, got a number',
        },
      });
    });

    it('names the runtimes available when the runtime is unknown', async () => {
      const response = await harness
        .authed('post', '/api/agents')
        .send({ name: 'a', runtime: 'devin', model: 'm' })
        .expect(400);
      expect(response.body).toEqual({
        error: {
          type: 'invalid_request_error',
          message: 'runtime: unknown runtime "devin"; available: cursor',
        },
      });
    });

    it('answers unknown agents, sessions and routes with 404 in the right shape', async () => {
      expect((await harness.authed('get', '/api/agents/agent_nope').expect(404)).body).toEqual({
        error: { type: 'not_found_error', message: 'agent "agent_nope" not found' },
      });
      expect((await harness.authed('get', '/v1/sessions/sesn_nope/events').expect(404)).body).toEqual({
        type: 'error',
        error: { type: 'not_found_error', message: 'session "sesn_nope" not found' },
      });
      const unknownRoute = await harness.authed('get', '/api/nothing-here').expect(404);
      expect(unknownRoute.body.error.type).toBe('not_found_error');
    });

    it('answers a body past the size limit with 413', async () => {
      const response = await harness
        .authed('post', '/api/agents')
        .send({ name: 'x'.repeat(2 * 1024 * 1024), runtime: 'cursor', model: 'm' })
        .expect(413);
      expect(response.body.error.type).toBe('request_too_large');
    });
  });
});
