import { userMessageCommandSchema } from '@lap/contracts';
import { waitFor } from '@lap/testing';
import { queuedCommands } from './support/command-reader';
import { EventWriter, agentMessage } from './support/event-writer';
import { MASTER_KEY, startTestGateway, type GatewayHarness } from './support/gateway-harness';

describe('Managed Agents: /v1/sessions and sending events', () => {
  let harness: GatewayHarness;
  let agentId: string;
  let environmentId: string;
  const ma = (method: 'get' | 'post' | 'delete', path: string) =>
    harness.http[method](path).set('x-api-key', MASTER_KEY);
  const commandsOf = (sessionId: string) =>
    queuedCommands(harness.nats.client, harness.nats.names, sessionId);
  const newSession = async (body: Record<string, unknown> = {}) =>
    (
      await ma('post', '/v1/sessions')
        .send({ agent: agentId, environment_id: environmentId, ...body })
        .expect(200)
    ).body;

  beforeAll(async () => {
    harness = await startTestGateway('gwmasessions');
    agentId = (
      await ma('post', '/v1/agents').send({ name: 'coder', model: 'claude-opus-4-5', system: 'Be brief.' })
    ).body.id;
    environmentId = (
      await ma('post', '/v1/environments').send({
        name: 'repo',
        config: { type: 'cloud', cursor: { repository: 'https://github.com/acme/app', ref: 'main' } },
      })
    ).body.id;
  });
  afterAll(() => harness.close());

  it('creates an idle session from the environment defaults, in the Managed Agents shape', async () => {
    const session = await newSession({ title: 't', metadata: { a: 'b' } });
    expect(session).toEqual({
      type: 'session',
      id: expect.stringMatching(/^sesn_[0-9a-z]{26}$/),
      agent: {
        type: 'agent',
        id: agentId,
        name: 'coder',
        description: null,
        model: { id: 'claude-opus-4-5' },
        system: 'Be brief.',
        tools: [],
        mcp_servers: [],
        skills: [],
        multiagent: null,
        version: 1,
      },
      environment_id: environmentId,
      status: 'idle',
      title: 't',
      metadata: { a: 'b' },
      resources: [
        {
          type: 'github_repository',
          id: expect.stringMatching(/^sesrsc_/),
          url: 'https://github.com/acme/app',
          checkout: { type: 'branch', name: 'main' },
          mount_path: null,
          created_at: session.created_at,
          updated_at: session.created_at,
        },
      ],
      stats: { duration_seconds: expect.any(Number) },
      usage: {},
      budget: null,
      outcome_evaluations: [],
      vault_ids: [],
      auto_create_pr: false,
      outputs: {},
      created_at: expect.any(String),
      updated_at: expect.any(String),
      archived_at: null,
    });
    expect(await commandsOf(session.id)).toEqual([]);
  });

  it('starts the run from initial_events, on the resource’s commit, with the auto_create_pr extension', async () => {
    const session = await newSession({
      agent: { type: 'agent', id: agentId, version: 1 },
      resources: [
        {
          type: 'github_repository',
          url: 'https://github.com/acme/other',
          checkout: { type: 'commit', sha: 'abc1234' },
        },
      ],
      initial_events: [
        {
          type: 'user.message',
          content: [
            { type: 'text', text: 'Fix it' },
            { type: 'text', text: 'please' },
          ],
        },
      ],
      auto_create_pr: true,
    });
    expect(session).toMatchObject({
      status: 'running',
      auto_create_pr: true,
      resources: [{ url: 'https://github.com/acme/other', checkout: { type: 'commit', sha: 'abc1234' } }],
    });
    const [command] = await commandsOf(session.id);
    expect(userMessageCommandSchema.parse(command)).toMatchObject({
      text: 'Fix it\n\nplease',
      environment: { repository: 'https://github.com/acme/other', ref: 'abc1234', autoCreatePr: true },
    });
    // LAP sees the same session, pending its first run.
    const viaLap = await harness.authed('get', `/session/${session.id}`).expect(200);
    expect(viaLap.body).toMatchObject({ status: 'pending', agent_id: agentId });
  });

  it('refuses what it cannot run, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ environment_id: undefined }, 400, /^environment_id: /],
      [{ environment_id: 'env_00000000000000000000000000' }, 404, /environment "env_0+" not found/],
      [{ agent: 'agent_00000000000000000000000000' }, 404, /agent "agent_0+" not found/],
      [{ agent: { type: 'agent', id: agentId, version: 7 } }, 409, /is at version 1, not 7/],
      [{ resources: [{ type: 'file', file_id: 'f' }] }, 400, /only "github_repository" resources/],
      [{ initial_events: [{ type: 'user.interrupt' }] }, 400, /only user.message events/],
      [{ vault_ids: [] }, 400, /unknown field "vault_ids"/],
    ];
    for (const [override, status, message] of cases) {
      const response = await ma('post', '/v1/sessions')
        .send({ agent: agentId, environment_id: environmentId, ...override })
        .expect(status);
      expect(response.body.type).toBe('error');
      expect(response.body.error.message).toMatch(message);
    }
  });

  it('sends user.message and user.interrupt as commands, in order, and answers the accepted events', async () => {
    const session = await newSession();
    const response = await ma('post', `/v1/sessions/${session.id}/events`)
      .send({
        events: [
          { type: 'user.message', content: [{ type: 'text', text: 'go' }] },
          { type: 'user.interrupt' },
          { type: 'user.message', content: [{ type: 'text', text: 'again' }] },
        ],
      })
      .expect(200);
    const commands = await commandsOf(session.id);
    expect(commands.map((c) => c.type)).toEqual(['user.message', 'user.interrupt', 'user.message']);
    expect(response.body).toEqual({
      data: [
        {
          id: commands[0].commandId,
          type: 'user.message',
          content: [{ type: 'text', text: 'go' }],
          processed_at: null,
        },
        { id: commands[1].commandId, type: 'user.interrupt', processed_at: null },
        {
          id: commands[2].commandId,
          type: 'user.message',
          content: [{ type: 'text', text: 'again' }],
          processed_at: null,
        },
      ],
    });
    expect((await ma('get', `/v1/sessions/${session.id}`)).body.status).toBe('running');
  });

  it('answers other event types with a 400 naming the two it takes, and queues nothing', async () => {
    const session = await newSession();
    const response = await ma('post', `/v1/sessions/${session.id}/events`)
      .send({
        events: [
          { type: 'user.message', content: [{ type: 'text', text: 'fine' }] },
          { type: 'user.tool_confirmation', tool_use_id: 'x', result: 'allow' },
        ],
      })
      .expect(400);
    expect(response.body).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'events.1.type: event type "user.tool_confirmation" is not supported here; send user.message or user.interrupt',
      },
    });
    const blank = await ma('post', `/v1/sessions/${session.id}/events`)
      .send({ events: [{ type: 'user.message', content: [{ type: 'text', text: '  ' }] }] })
      .expect(400);
    expect(blank.body.error.message).toBe(
      'events.0.content: expected at least one text block with some text',
    );
    expect(await commandsOf(session.id)).toEqual([]);
    await ma('post', '/v1/sessions/sesn_missing/events')
      .send({ events: [{ type: 'user.interrupt' }] })
      .expect(404);
  });

  it('derives status from the event log: running, idle, terminated', async () => {
    const writer = new EventWriter(harness.nats.client, harness.nats.names);
    const session = await newSession();
    const statusOf = async () => (await ma('get', `/v1/sessions/${session.id}`)).body.status;
    await writer.append(session.id, { type: 'session.status_running' });
    await waitFor(async () => (await statusOf()) === 'running', { what: 'running' });
    await writer.append(session.id, {
      type: 'session.error',
      error: { type: 'unknown_error', message: 'boom', retry_status: { type: 'terminal' } },
    });
    await writer.append(session.id, { type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    // LAP says "error"; Managed Agents has no such status: the session is idle.
    await waitFor(
      async () => (await harness.authed('get', `/session/${session.id}`)).body.status === 'error',
    );
    expect(await statusOf()).toBe('idle');
    await writer.append(session.id, { type: 'session.status_terminated' });
    await waitFor(async () => (await statusOf()) === 'terminated', { what: 'terminated' });
  });

  it('updates title and metadata, archives (read-only) and deletes (gone)', async () => {
    const session = await newSession({ metadata: { keep: '1', drop: '2' } });
    const updated = await ma('post', `/v1/sessions/${session.id}`)
      .send({ title: 'named', metadata: { drop: null } })
      .expect(200);
    expect(updated.body).toMatchObject({ title: 'named', metadata: { keep: '1' } });
    await ma('post', `/v1/sessions/${session.id}`).send({ status: 'idle' }).expect(400);

    const archived = await ma('post', `/v1/sessions/${session.id}/archive`).expect(200);
    expect(archived.body.archived_at).toEqual(expect.any(String));
    const refused = await ma('post', `/v1/sessions/${session.id}/events`)
      .send({ events: [{ type: 'user.interrupt' }] })
      .expect(400);
    expect(refused.body.error.message).toContain('is archived');
    await harness
      .authed('post', `/session/${session.id}/prompt_async`)
      .send({ parts: [{ type: 'text', text: 'x' }] })
      .expect(400);
    await ma('get', `/v1/sessions/${session.id}/events`).expect(200);

    expect((await ma('delete', `/v1/sessions/${session.id}`).expect(200)).body).toEqual({
      type: 'session_deleted',
      id: session.id,
    });
    await ma('get', `/v1/sessions/${session.id}`).expect(404);
    await ma('get', `/v1/sessions/${session.id}/events`).expect(404);
    await harness.authed('get', `/session/${session.id}`).expect(404);
  });

  it('lists by agent, in either order, with next_page and prev_page', async () => {
    const other = (await ma('post', '/v1/agents').send({ name: 'lister', model: 'm' })).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newSession({ agent: other })).id);
    const archived = (await newSession({ agent: other })).id;
    await ma('post', `/v1/sessions/${archived}/archive`).expect(200);

    const first = await ma('get', `/v1/sessions?agent_id=${other}&limit=2&order=asc`).expect(200);
    expect(first.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
    expect(first.body.prev_page).toBeNull();
    const second = await ma(
      'get',
      `/v1/sessions?agent_id=${other}&limit=2&order=asc&page=${first.body.next_page}`,
    );
    expect(second.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(2, 4));
    const back = await ma(
      'get',
      `/v1/sessions?agent_id=${other}&limit=2&order=asc&page=${second.body.prev_page}`,
    );
    expect(back.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
    const last = await ma(
      'get',
      `/v1/sessions?agent_id=${other}&limit=2&order=asc&page=${second.body.next_page}`,
    );
    expect(last.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(4));
    expect(last.body.next_page).toBeNull();

    const newest = await ma('get', `/v1/sessions?agent_id=${other}&include_archived=true`).expect(200);
    expect(newest.body.data.map((s: { id: string }) => s.id)).toEqual([archived, ...[...ids].reverse()]);
    const active = await ma('get', `/v1/sessions?agent_id=${other}`).expect(200);
    expect(active.body.data.map((s: { id: string }) => s.id)).toEqual([...ids].reverse());
  });

  it('lists events in either order, paging with next_page', async () => {
    const writer = new EventWriter(harness.nats.client, harness.nats.names);
    const session = await newSession();
    for (let i = 1; i <= 5; i++) await writer.append(session.id, agentMessage(`m${i}`));
    const textsOf = (data: Array<{ content: Array<{ text: string }> }>) => data.map((e) => e.content[0].text);
    await waitFor(async () => (await ma('get', `/v1/sessions/${session.id}/events`)).body.data.length === 5);
    const newest = await ma('get', `/v1/sessions/${session.id}/events?order=desc&limit=2`).expect(200);
    expect(textsOf(newest.body.data)).toEqual(['m5', 'm4']);
    const older = await ma(
      'get',
      `/v1/sessions/${session.id}/events?order=desc&limit=2&page=${newest.body.next_page}`,
    );
    expect(textsOf(older.body.data)).toEqual(['m3', 'm2']);
    const oldest = await ma('get', `/v1/sessions/${session.id}/events?limit=2&page=${newest.body.next_page}`);
    expect(textsOf(oldest.body.data)).toEqual(['m5']);
    await ma('get', `/v1/sessions/${session.id}/events?order=sideways`).expect(400);
  });
});
