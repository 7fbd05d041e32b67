import Anthropic from '@anthropic-ai/sdk';
import { waitFor } from '@lap/testing';
import { startInProcessPlatform, type InProcessPlatform } from './support/in-process-platform';

/**
 * The official Anthropic SDK, unchanged, pointed at the gateway (`baseURL`, master key as `apiKey`),
 * against the whole platform: gateway, credentials, session runner and normalizer over real NATS and
 * PostgreSQL, the Cursor emulator upstream.
 */
type Event = Anthropic.Beta.Sessions.BetaManagedAgentsSessionEvent;
type StreamEvent = Anthropic.Beta.Sessions.BetaManagedAgentsStreamSessionEvents;

describe('the Managed Agents API through the official @anthropic-ai/sdk', () => {
  let platform: InProcessPlatform;
  let client: Anthropic;
  let environmentId: string;
  let agentId: string;

  const lap = (path: string, init: RequestInit = {}) =>
    fetch(`${platform.gatewayUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${platform.masterKey}`, 'content-type': 'application/json' },
    });

  /** Reads the session's stream (from its start) until `done` says so. */
  const streamUntil = async (
    sessionId: string,
    done: (event: StreamEvent, all: StreamEvent[]) => boolean,
  ) => {
    const stream = await client.beta.sessions.events.stream(sessionId);
    const events: StreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (done(event, events)) break;
    }
    return events;
  };
  const idleCount = (events: Array<{ type: string }>) =>
    events.filter((event) => event.type === 'session.status_idle').length;

  const listAll = async (sessionId: string, params: Anthropic.Beta.Sessions.EventListParams = {}) => {
    const events: Event[] = [];
    for await (const event of client.beta.sessions.events.list(sessionId, params)) events.push(event);
    return events;
  };

  beforeAll(async () => {
    platform = await startInProcessPlatform();
    client = new Anthropic({ apiKey: platform.masterKey, baseURL: platform.gatewayUrl });
    const stored = await lap('/api/agent-runtimes/cursor/credentials', {
      method: 'PUT',
      body: JSON.stringify({ api_key: 'crsr_sdk_suite_key', api_base: platform.emulatorUrl }),
    });
    expect(stored.status).toBe(200);
  });
  afterAll(() => platform?.stop());

  describe('agents', () => {
    it('creates, retrieves, updates (with optimistic concurrency), lists and archives', async () => {
      const agent = await client.beta.agents.create({
        name: 'sdk-coder',
        model: 'claude-opus-4-5',
        system: 'You are a careful coding assistant.',
        description: 'made by the SDK suite',
        metadata: { team: 'platform' },
      });
      expect(agent).toEqual({
        type: 'agent',
        id: expect.stringMatching(/^agent_[0-9a-z]{26}$/),
        name: 'sdk-coder',
        description: 'made by the SDK suite',
        model: { id: 'claude-opus-4-5' },
        system: 'You are a careful coding assistant.',
        tools: [],
        mcp_servers: [],
        skills: [],
        multiagent: null,
        metadata: { team: 'platform' },
        version: 1,
        runtime: 'cursor',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        archived_at: null,
      });
      expect(new Date(agent.created_at).toISOString()).toBe(agent.created_at);
      agentId = agent.id;
      expect(await client.beta.agents.retrieve(agent.id)).toEqual(agent);

      const updated = await client.beta.agents.update(agent.id, {
        version: 1,
        model: { id: 'gpt-5', speed: 'fast' },
        metadata: { team: null, tier: 'gold' },
      });
      expect(updated).toMatchObject({ version: 2, model: { id: 'gpt-5' }, metadata: { tier: 'gold' } });
      const stale = client.beta.agents.update(agent.id, { version: 1, name: 'lost update' });
      await expect(stale).rejects.toBeInstanceOf(Anthropic.ConflictError);
      await expect(stale).rejects.toMatchObject({ status: 409, error: { type: 'error' } });
      expect((await client.beta.agents.retrieve(agent.id)).name).toBe('sdk-coder');

      // The same row through LAP's routes.
      const viaLap = await (await lap(`/api/agents/${agent.id}`)).json();
      expect(viaLap).toMatchObject({ id: agent.id, name: 'sdk-coder', model: 'gpt-5', version: 2 });
      await client.beta.agents.update(agent.id, { model: 'claude-opus-4-5' });

      const doomed = await client.beta.agents.create({ name: 'doomed', model: 'claude-opus-4-5' });
      const archived = await client.beta.agents.archive(doomed.id);
      expect(archived.archived_at).not.toBeNull();
      expect((await client.beta.agents.retrieve(doomed.id)).archived_at).toBe(archived.archived_at);

      const listed: string[] = [];
      for await (const item of client.beta.agents.list({ limit: 1 })) listed.push(item.id);
      expect(listed).toContain(agent.id);
      expect(listed).not.toContain(doomed.id);
      const firstPage = await client.beta.agents.list({ limit: 1, include_archived: true });
      expect(firstPage.data).toHaveLength(1);
      expect(firstPage.hasNextPage()).toBe(true);
      const withArchived: string[] = [];
      for await (const item of client.beta.agents.list({ include_archived: true }))
        withArchived.push(item.id);
      expect(withArchived).toEqual(expect.arrayContaining([agent.id, doomed.id]));
    });
  });

  describe('environments', () => {
    it('creates, retrieves, updates, lists and archives', async () => {
      // `config.cursor` is this gateway's extension (not in the SDK's types): what sessions default to.
      const config = {
        type: 'cloud',
        cursor: { repository: 'https://github.com/acme/widgets', ref: 'main', auto_create_pr: false },
      } as unknown as Anthropic.Beta.Environments.BetaCloudConfigParams;
      const environment = await client.beta.environments.create({
        name: 'widgets',
        config,
        metadata: { a: '1' },
      });
      expect(environment).toMatchObject({
        type: 'environment',
        id: expect.stringMatching(/^env_[0-9a-z]{26}$/),
        name: 'widgets',
        description: null,
        config: {
          type: 'cloud',
          networking: { type: 'unrestricted' },
          cursor: { repository: 'https://github.com/acme/widgets', ref: 'main', auto_create_pr: false },
        },
        metadata: { a: '1' },
        archived_at: null,
      });
      environmentId = environment.id;
      expect(await client.beta.environments.retrieve(environment.id)).toEqual(environment);
      const updated = await client.beta.environments.update(environment.id, {
        description: 'the widgets repo',
      });
      expect(updated.description).toBe('the widgets repo');

      const spare = await client.beta.environments.create({ name: 'spare' });
      const archived = await client.beta.environments.archive(spare.id);
      expect(archived.archived_at).not.toBeNull();
      const ids: string[] = [];
      for await (const item of client.beta.environments.list({ limit: 1 })) ids.push(item.id);
      expect(ids).toContain(environment.id);
      expect(ids).not.toContain(spare.id);
      const all: string[] = [];
      for await (const item of client.beta.environments.list({ include_archived: true })) all.push(item.id);
      expect(all).toEqual(expect.arrayContaining([environment.id, spare.id]));

      await expect(
        client.beta.sessions.create({ agent: agentId, environment_id: spare.id }),
      ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
      await expect(
        client.beta.environments.retrieve('env_00000000000000000000000000'),
      ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    });
  });

  describe('a session, start to finish', () => {
    let sessionId: string;
    let streamed: StreamEvent[];

    it('creates a session that starts its run at once from initial_events', async () => {
      const session = await client.beta.sessions.create({
        agent: { type: 'agent', id: agentId },
        environment_id: environmentId,
        title: 'Fix the failing tests',
        metadata: { ticket: 'T-1' },
        resources: [
          {
            type: 'github_repository',
            url: 'https://github.com/acme/widgets',
            checkout: { type: 'branch', name: 'develop' },
          },
        ],
        initial_events: [
          { type: 'user.message', content: [{ type: 'text', text: '[scenario:pr] Fix the failing tests' }] },
        ],
        // This gateway's extension: let Cursor open a pull request.
        ...({ auto_create_pr: true } as object),
      });
      expect(session).toMatchObject({
        type: 'session',
        id: expect.stringMatching(/^sesn_[0-9a-z]{26}$/),
        environment_id: environmentId,
        status: 'running',
        title: 'Fix the failing tests',
        metadata: { ticket: 'T-1' },
        agent: {
          type: 'agent',
          id: agentId,
          name: 'sdk-coder',
          model: { id: 'claude-opus-4-5' },
          version: 3,
        },
        resources: [
          {
            type: 'github_repository',
            url: 'https://github.com/acme/widgets',
            checkout: { type: 'branch', name: 'develop' },
          },
        ],
        stats: { duration_seconds: expect.any(Number) },
        usage: {},
        auto_create_pr: true,
        archived_at: null,
      });
      sessionId = session.id;
    });

    it('streams the run: every event typed, with an id and a time, ending idle', async () => {
      streamed = await streamUntil(sessionId, (event) => event.type === 'session.status_idle');
      const types = streamed.map((event) => event.type);
      expect(types[0]).toBe('user.message');
      expect(types).toEqual(
        expect.arrayContaining([
          'session.status_running',
          'agent.message',
          'agent.tool_use',
          'agent.tool_result',
        ]),
      );
      expect(types[types.length - 1]).toBe('session.status_idle');
      for (const event of streamed) {
        expect((event as { id: string }).id).toMatch(/^sevt_[0-9a-z]{26}$/);
        const at = (event as { processed_at: string }).processed_at;
        expect(new Date(at).toISOString()).toBe(at);
      }
      expect(new Set(streamed.map((event) => (event as { id: string }).id)).size).toBe(streamed.length);
    });

    it('lists the same events, event for event, across pages and in both orders', async () => {
      await waitFor(async () => (await listAll(sessionId)).length >= streamed.length, {
        what: 'the projection caught up',
        timeoutMs: 30_000,
      });
      const listed = await listAll(sessionId, { limit: 4 });
      expect(listed).toEqual(streamed);
      const newestFirst = await listAll(sessionId, { limit: 3, order: 'desc' });
      expect(newestFirst).toEqual([...streamed].reverse());
      const firstPage = await client.beta.sessions.events.list(sessionId, { limit: 2 });
      expect(firstPage.data).toEqual(streamed.slice(0, 2));
    });

    it('shows the session idle, with the pull request Cursor opened', async () => {
      await waitFor(async () => (await client.beta.sessions.retrieve(sessionId)).status === 'idle', {
        what: 'the session idle',
        timeoutMs: 30_000,
      });
      const session = (await client.beta.sessions.retrieve(sessionId)) as unknown as {
        outputs: { branches?: Array<{ pr_url?: string }> };
      };
      expect(session.outputs.branches?.[0]?.pr_url).toMatch(/^https:\/\//);
      // The same session through LAP's routes.
      const viaLap = await (await lap(`/session/${sessionId}`)).json();
      expect(viaLap).toMatchObject({
        id: sessionId,
        agent_id: agentId,
        status: 'idle',
        environment: { repository: 'https://github.com/acme/widgets', ref: 'develop', auto_create_pr: true },
        provider_session_id: expect.stringMatching(/^bc-/),
      });
    });

    it('sends a follow-up message: a second run on the same session', async () => {
      const sent = await client.beta.sessions.events.send(sessionId, {
        events: [{ type: 'user.message', content: [{ type: 'text', text: 'Now add a changelog entry' }] }],
      });
      expect(sent.data).toEqual([
        {
          id: expect.stringMatching(/^cmd_/),
          type: 'user.message',
          content: [{ type: 'text', text: 'Now add a changelog entry' }],
          processed_at: null,
        },
      ]);
      const events = await streamUntil(sessionId, (_event, all) => idleCount(all) === 2);
      expect(events.slice(0, streamed.length)).toEqual(streamed);
      const secondRun = events.slice(streamed.length);
      expect(secondRun[0]).toMatchObject({
        type: 'user.message',
        content: [{ type: 'text', text: 'Now add a changelog entry' }],
      });
      expect(secondRun.map((event) => event.type)).toContain('agent.message');
    });

    it('queues a message sent during a live run behind it', async () => {
      const session = await client.beta.sessions.create({
        agent: agentId,
        environment_id: environmentId,
        initial_events: [{ type: 'user.message', content: [{ type: 'text', text: '[pace:20] first' }] }],
      });
      await streamUntil(session.id, (event) => event.type === 'session.status_running');
      await client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.message', content: [{ type: 'text', text: 'second' }] }],
      });
      const events = await streamUntil(session.id, (_event, all) => idleCount(all) === 2);
      const types = events.map((event) => event.type);
      const firstIdle = types.indexOf('session.status_idle');
      expect(types.filter((type) => type === 'session.status_running')).toHaveLength(2);
      expect(types.lastIndexOf('session.status_running')).toBeGreaterThan(firstIdle);
      const texts = events
        .filter((event) => event.type === 'user.message')
        .map((event) => (event as { content: Array<{ text: string }> }).content[0].text);
      expect(texts).toEqual(['[pace:20] first', 'second']);
    });

    it('interrupts a live run', async () => {
      const session = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
      expect(session.status).toBe('idle');
      expect(session.resources).toEqual([
        expect.objectContaining({
          url: 'https://github.com/acme/widgets',
          checkout: { type: 'branch', name: 'main' },
        }),
      ]);
      await client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.message', content: [{ type: 'text', text: '[scenario:hang] wait for me' }] }],
      });
      await streamUntil(session.id, (event) => event.type === 'session.status_running');
      const sent = await client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.interrupt' }],
      });
      expect(sent.data).toEqual([
        { id: expect.stringMatching(/^cmd_/), type: 'user.interrupt', processed_at: null },
      ]);
      const events = await streamUntil(session.id, (event) => event.type === 'session.status_idle');
      const types = events.map((event) => event.type);
      expect(types).toContain('user.interrupt');
      expect(types.indexOf('user.interrupt')).toBeLessThan(types.lastIndexOf('session.status_idle'));
    });
  });

  describe('an interrupt sent with the message it stops', () => {
    it('stops the run the message starts, in the order they were sent', async () => {
      const session = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
      // One request: the interrupt reaches the runners before any of them has taken the message.
      await client.beta.sessions.events.send(session.id, {
        events: [
          { type: 'user.message', content: [{ type: 'text', text: '[scenario:hang] never mind' }] },
          { type: 'user.interrupt' },
        ],
      });
      // The run would never end by itself (`hang`): it goes idle because the interrupt cancelled it.
      const events = await streamUntil(session.id, (event) => event.type === 'session.status_idle');
      const types = events.map((event) => event.type);
      expect(types.indexOf('user.message')).toBeLessThan(types.indexOf('user.interrupt'));
      expect(types.filter((type) => type === 'user.interrupt')).toHaveLength(1);
    });
  });

  describe('sessions: read, update, list, archive, delete', () => {
    it('updates title and metadata', async () => {
      const session = await client.beta.sessions.create({
        agent: agentId,
        environment_id: environmentId,
        metadata: { keep: 'yes', drop: 'me' },
      });
      const updated = await client.beta.sessions.update(session.id, {
        title: 'Renamed',
        metadata: { drop: null, added: 'x' },
      });
      expect(updated).toMatchObject({ title: 'Renamed', metadata: { keep: 'yes', added: 'x' } });
      expect(updated.metadata).not.toHaveProperty('drop');
    });

    it('lists an agent’s sessions page by page, in either order', async () => {
      const agent = await client.beta.agents.create({ name: 'lister', model: 'claude-opus-4-5' });
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        created.push(
          (await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id,
        );
      }
      const newestFirst: string[] = [];
      for await (const session of client.beta.sessions.list({ agent_id: agent.id, limit: 2 })) {
        newestFirst.push(session.id);
      }
      expect(newestFirst).toEqual([...created].reverse());
      const oldestFirst: string[] = [];
      for await (const session of client.beta.sessions.list({ agent_id: agent.id, limit: 2, order: 'asc' })) {
        oldestFirst.push(session.id);
      }
      expect(oldestFirst).toEqual(created);
      const page = await client.beta.sessions.list({ agent_id: agent.id, limit: 2, order: 'asc' });
      expect(page.data.map((session) => session.id)).toEqual(created.slice(0, 2));
      expect(page.hasNextPage()).toBe(true);
    });

    it('archives (still readable, no more input) and deletes (gone)', async () => {
      const session = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
      const archived = await client.beta.sessions.archive(session.id);
      expect(archived.archived_at).not.toBeNull();
      expect((await client.beta.sessions.retrieve(session.id)).archived_at).toBe(archived.archived_at);
      await expect(
        client.beta.sessions.events.send(session.id, {
          events: [{ type: 'user.message', content: [{ type: 'text', text: 'too late' }] }],
        }),
      ).rejects.toBeInstanceOf(Anthropic.BadRequestError);

      const deleted = await client.beta.sessions.delete(session.id);
      expect(deleted).toEqual({ type: 'session_deleted', id: session.id });
      await expect(client.beta.sessions.retrieve(session.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
      expect((await lap(`/session/${session.id}`)).status).toBe(404);
    });

    it('reads a session started through LAP’s routes', async () => {
      const created = (await (
        await lap('/session', {
          method: 'POST',
          body: JSON.stringify({
            agent_id: agentId,
            environment: { repository: 'https://github.com/acme/lap', ref: 'trunk' },
          }),
        })
      ).json()) as { id: string };
      const session = await client.beta.sessions.retrieve(created.id);
      expect(session).toMatchObject({
        id: created.id,
        status: 'idle',
        environment_id: null,
        agent: { id: agentId },
        resources: [{ url: 'https://github.com/acme/lap', checkout: { type: 'branch', name: 'trunk' } }],
      });
    });
  });

  describe('errors, as the SDK’s exception classes', () => {
    it('NotFoundError for an unknown session, agent or event stream', async () => {
      const unknown = 'sesn_00000000000000000000000000';
      await expect(client.beta.sessions.retrieve(unknown)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
      await expect(client.beta.sessions.events.list(unknown)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
      await expect(client.beta.sessions.events.stream(unknown)).rejects.toBeInstanceOf(
        Anthropic.NotFoundError,
      );
      await expect(client.beta.agents.retrieve('agent_00000000000000000000000000')).rejects.toMatchObject({
        status: 404,
        error: { type: 'error', error: { type: 'not_found_error' } },
      });
    });

    it('AuthenticationError for a wrong key', async () => {
      const stranger = new Anthropic({ apiKey: 'sk-wrong', baseURL: platform.gatewayUrl });
      await expect(stranger.beta.agents.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
      await expect(stranger.beta.sessions.events.stream('sesn_x')).rejects.toBeInstanceOf(
        Anthropic.AuthenticationError,
      );
    });

    it('BadRequestError for an unsupported event type or a bad body, naming the problem', async () => {
      const session = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
      const unsupported = client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.tool_confirmation', tool_use_id: 'sevt_x', result: 'allow' }],
      });
      await expect(unsupported).rejects.toBeInstanceOf(Anthropic.BadRequestError);
      await expect(unsupported).rejects.toMatchObject({
        error: {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: expect.stringContaining('"user.tool_confirmation" is not supported'),
          },
        },
      });
      await expect(
        client.beta.sessions.create({ agent: agentId } as Anthropic.Beta.Sessions.SessionCreateParams),
      ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
      await expect(
        client.beta.sessions.create({
          agent: 'agent_00000000000000000000000000',
          environment_id: environmentId,
        }),
      ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    });
  });
});
