import { startTestGateway, type GatewayHarness } from './support/gateway-harness';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('LAP agents', () => {
  let harness: GatewayHarness;

  beforeAll(async () => {
    harness = await startTestGateway('gwagents');
  });
  afterAll(() => harness.close());

  it('creates an agent and returns the LAP row', async () => {
    const response = await harness
      .authed('post', '/api/agents')
      .send({
        name: 'my-cursor-agent',
        owner_id: 'local-user',
        runtime: 'cursor',
        model: 'claude-opus-4-5',
        system: 'You are a coding assistant.',
      })
      .expect(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^agent_[0-9a-z]{26}$/),
      name: 'my-cursor-agent',
      owner_id: 'local-user',
      model: 'claude-opus-4-5',
      system: 'You are a coding assistant.',
      description: null,
      runtime: 'cursor',
      config: { runtime: 'cursor' },
      metadata: {},
      version: 1,
      status: 'active',
      created_at: expect.stringMatching(RFC3339),
      updated_at: expect.stringMatching(RFC3339),
    });
    const fetched = await harness.authed('get', `/api/agents/${response.body.id}`).expect(200);
    expect(fetched.body).toEqual(response.body);
  });

  it('lists agents, filtered by owner_id', async () => {
    const mine = await harness
      .authed('post', '/api/agents')
      .send({ name: 'a', owner_id: 'alice', runtime: 'cursor', model: 'm' })
      .expect(201);
    await harness
      .authed('post', '/api/agents')
      .send({ name: 'b', owner_id: 'bob', runtime: 'cursor', model: 'm' });
    const alice = await harness.authed('get', '/api/agents?owner_id=alice').expect(200);
    expect(alice.body).toEqual({ agents: [mine.body] });
    const all = await harness.authed('get', '/api/agents').expect(200);
    expect(all.body.agents.map((a: { owner_id: string }) => a.owner_id)).toEqual(
      expect.arrayContaining(['alice', 'bob']),
    );
  });

  it('defaults the owner to the master key principal', async () => {
    const response = await harness
      .authed('post', '/api/agents')
      .send({ name: 'no-owner', runtime: 'cursor', model: 'm' })
      .expect(201);
    expect(response.body.owner_id).toBe('default');
  });

  it('updates with PATCH, bumping the version only on a change', async () => {
    const created = await harness
      .authed('post', '/api/agents')
      .send({ name: 'old', runtime: 'cursor', model: 'm1' })
      .expect(201);
    const id = created.body.id;
    const patched = await harness
      .authed('patch', `/api/agents/${id}`)
      .send({ name: 'new', description: 'described' })
      .expect(200);
    expect(patched.body).toMatchObject({
      id,
      name: 'new',
      description: 'described',
      model: 'm1',
      version: 2,
    });
    const unchanged = await harness.authed('patch', `/api/agents/${id}`).send({ name: 'new' }).expect(200);
    expect(unchanged.body.version).toBe(2);
    const invalid = await harness.authed('patch', `/api/agents/${id}`).send({ name: '' }).expect(400);
    expect(invalid.body).toEqual({
      error: { type: 'invalid_request_error', message: 'name: must not be empty' },
    });
    await harness.authed('patch', '/api/agents/agent_missing').send({ name: 'x' }).expect(404);
  });

  it('deletes (archives) an agent: it then reads as 404 and leaves the list', async () => {
    const created = await harness
      .authed('post', '/api/agents')
      .send({ name: 'doomed', runtime: 'cursor', model: 'm' })
      .expect(201);
    const id = created.body.id;
    await harness.authed('delete', `/api/agents/${id}`).expect(200, { ok: true });
    await harness.authed('get', `/api/agents/${id}`).expect(404);
    await harness.authed('delete', `/api/agents/${id}`).expect(404);
    const all = await harness.authed('get', '/api/agents').expect(200);
    expect(all.body.agents.map((a: { id: string }) => a.id)).not.toContain(id);
  });

  it('rejects a body that is not an object, and a missing model', async () => {
    const response = await harness
      .authed('post', '/api/agents')
      .send({ name: 'x', runtime: 'cursor' })
      .expect(400);
    expect(response.body.error.message).toBe('model: expected a string, got nothing');
    const array = await harness.authed('post', '/api/agents').send([1, 2]).expect(400);
    expect(array.body.error.message).toBe('body: expected an object, got an array');
  });
});
