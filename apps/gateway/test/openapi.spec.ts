import { startTestGateway, type GatewayHarness } from './support/gateway-harness';

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every method + path the running app answers, as `get /v1/sessions/{id}`. */
function registeredRoutes(harness: GatewayHarness): string[] {
  const express = harness.gateway.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const routes: string[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      if (enabled && method !== '_all')
        routes.push(`${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

describe('the OpenAPI document', () => {
  let harness: GatewayHarness;

  beforeAll(async () => {
    harness = await startTestGateway('gwopenapi');
  });
  afterAll(() => harness.close());

  it('is served without a key', async () => {
    const response = await harness.http.get('/openapi.json').expect(200);
    expect(response.body).toMatchObject({ openapi: '3.1.0', info: { title: expect.any(String) } });
  });

  it('describes every route the app registers, and nothing it does not', async () => {
    const document = (await harness.http.get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const described = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    const registered = registeredRoutes(harness);
    expect(registered.length).toBeGreaterThan(30);
    expect([...new Set(registered)].sort()).toEqual([...described].sort());
  });

  it('covers both route families, with request bodies from the validation schemas', async () => {
    const { body } = await harness.http.get('/openapi.json').expect(200);
    const createSession = body.paths['/v1/sessions'].post;
    expect(createSession.tags).toEqual(['Managed Agents']);
    expect(createSession.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['agent', 'environment_id']),
    );
    expect(createSession.responses.default.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AnthropicError',
    });
    const lapCreate = body.paths['/session'].post;
    expect(lapCreate.tags).toEqual(['LAP']);
    expect(lapCreate.responses['201']).toBeDefined();
    expect(lapCreate.responses.default.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/LapError',
    });
    const stream = body.paths['/v1/sessions/{id}/events/stream'].get;
    expect(stream.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['id', 'after', 'live_only', 'Last-Event-ID']),
    );
    expect(stream.responses['200'].content).toHaveProperty('text/event-stream');
  });
});
