import { userInterruptCommandSchema, userMessageCommandSchema } from '@lap/contracts';
import { ensureStreams } from '@lap/messaging';
import { queuedCommands } from './support/command-reader';
import { createAgent, startTestGateway, type GatewayHarness } from './support/gateway-harness';

describe('LAP sessions', () => {
  let harness: GatewayHarness;
  let agentId: string;
  const commandsOf = (sessionId: string) =>
    queuedCommands(harness.nats.client, harness.nats.names, sessionId);

  beforeAll(async () => {
    harness = await startTestGateway('gwsessions');
    agentId = await createAgent(harness, { name: 'coder', model: 'claude-opus-4-5', system: 'Be brief.' });
  });
  afterAll(() => harness.close());

  it('creates a session with a prompt: pending, and its first message is queued for a runner', async () => {
    const response = await harness
      .authed('post', '/session')
      .send({
        runtime: 'cursor',
        agent_id: agentId,
        prompt: 'Fix the failing tests in src/utils.ts',
        environment: { repository: 'https://github.com/acme/repo', ref: 'main', auto_create_pr: false },
      })
      .expect(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^sesn_[0-9a-z]{26}$/),
      title: 'Fix the failing tests in src/utils.ts',
      agent_id: agentId,
      owner_id: 'default',
      runtime: 'cursor',
      provider_session_id: null,
      provider_run_id: null,
      status: 'pending',
      environment: { repository: 'https://github.com/acme/repo', ref: 'main', auto_create_pr: false },
      outputs: {},
      time: { created: expect.any(String), updated: expect.any(String) },
    });
    const commands = await commandsOf(response.body.id);
    expect(commands).toHaveLength(1);
    const command = userMessageCommandSchema.parse(commands[0]);
    expect(command).toEqual({
      commandId: expect.stringMatching(/^cmd_/),
      sessionId: response.body.id,
      ownerId: 'default',
      issuedAt: expect.any(String),
      type: 'user.message',
      text: 'Fix the failing tests in src/utils.ts',
      agent: { name: 'coder', model: 'claude-opus-4-5', system: 'Be brief.' },
      environment: { repository: 'https://github.com/acme/repo', ref: 'main', autoCreatePr: false },
    });
  });

  it('creates a session without a prompt: idle, nothing queued', async () => {
    const response = await harness
      .authed('post', '/session')
      .send({ agent_id: agentId, title: 'Later' })
      .expect(201);
    expect(response.body).toMatchObject({ status: 'idle', title: 'Later' });
    expect(await commandsOf(response.body.id)).toEqual([]);
  });

  it('accepts the source.* and autoCreatePr spellings, and a per-session model', async () => {
    const response = await harness
      .authed('post', '/session')
      .send({
        agent_id: agentId,
        prompt: 'go',
        environment: {
          source: { repository: 'https://github.com/acme/x', ref: 'dev' },
          autoCreatePr: true,
          model: 'gpt-5',
        },
      })
      .expect(201);
    expect(response.body.environment).toEqual({
      repository: 'https://github.com/acme/x',
      ref: 'dev',
      auto_create_pr: true,
    });
    const [command] = await commandsOf(response.body.id);
    expect(command).toMatchObject({
      agent: { model: 'gpt-5' },
      environment: { repository: 'https://github.com/acme/x', ref: 'dev', autoCreatePr: true },
    });
  });

  it('answers 404 for an unknown agent and 400 for a runtime that does not match the agent', async () => {
    const missing = await harness
      .authed('post', '/session')
      .send({ agent_id: 'agent_missing', prompt: 'x' })
      .expect(404);
    expect(missing.body).toEqual({
      error: { type: 'not_found_error', message: 'agent "agent_missing" not found' },
    });
    const noAgent = await harness.authed('post', '/session').send({ prompt: 'x' }).expect(400);
    expect(noAgent.body.error.message).toBe('agent_id: expected a string, got nothing');
    const unknown = await harness
      .authed('post', '/session')
      .send({ agent_id: agentId, runtime: 'devin' })
      .expect(400);
    expect(unknown.body.error.message).toBe('runtime: unknown runtime "devin"; available: cursor');
  });

  it('lists, reads and deletes sessions', async () => {
    const created = await harness.authed('post', '/session').send({ agent_id: agentId }).expect(201);
    const id = created.body.id;
    const list = await harness.authed('get', '/session').expect(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body.map((s: { id: string }) => s.id)).toContain(id);
    expect((await harness.authed('get', `/session/${id}`).expect(200)).body).toEqual(created.body);
    await harness.authed('delete', `/session/${id}`).expect(200, { ok: true });
    await harness.authed('get', `/session/${id}`).expect(404);
    await harness.authed('get', '/session/sesn_missing').expect(404);
  });

  it('queues follow-up prompts and interrupts', async () => {
    const created = await harness.authed('post', '/session').send({ agent_id: agentId }).expect(201);
    const id = created.body.id;
    await harness
      .authed('post', `/session/${id}/prompt_async`)
      .send({
        parts: [
          { type: 'text', text: 'first part' },
          { type: 'text', text: 'second part' },
        ],
      })
      .expect(204);
    expect((await harness.authed('get', `/session/${id}`)).body.status).toBe('pending');
    await harness.authed('post', `/session/${id}/interrupt`).expect(204);
    await harness.authed('post', `/session/${id}/abort`).expect(204);
    const commands = await commandsOf(id);
    expect(commands.map((c) => c.type)).toEqual(['user.message', 'user.interrupt', 'user.interrupt']);
    expect(userMessageCommandSchema.parse(commands[0]).text).toBe('first part\n\nsecond part');
    expect(userInterruptCommandSchema.parse(commands[1]).sessionId).toBe(id);
    const empty = await harness.authed('post', `/session/${id}/prompt_async`).send({ parts: [] }).expect(400);
    expect(empty.body.error.message).toBe('parts: expected at least one part');
    await harness
      .authed('post', '/session/sesn_missing/prompt_async')
      .send({ parts: [{ type: 'text', text: 'x' }] })
      .expect(404);
    await harness.authed('post', '/session/sesn_missing/interrupt').expect(404);
  });

  it('says the session exists when its prompt cannot be queued', async () => {
    await harness.nats.client.jsm.streams.delete(harness.nats.names.streams.commands);
    try {
      const response = await harness
        .authed('post', '/session')
        .send({ agent_id: agentId, prompt: 'hello' })
        .expect(503);
      expect(response.body.error.type).toBe('service_unavailable_error');
      const id = /session "(sesn_[0-9a-z]+)" was created/.exec(response.body.error.message)?.[1];
      expect(response.body.error.message).toContain(`POST /session/${id}/prompt_async`);
      // The session is there, resting, ready for the prompt to be re-sent.
      expect((await harness.authed('get', `/session/${id}`).expect(200)).body.status).toBe('idle');
    } finally {
      await ensureStreams(harness.nats.client.jsm, harness.nats.names, ['commands']);
    }
  });
});
