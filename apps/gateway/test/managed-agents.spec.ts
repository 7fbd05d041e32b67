import { MASTER_KEY, startTestGateway, type GatewayHarness } from './support/gateway-harness';

describe('Managed Agents: /v1/agents and /v1/environments', () => {
  let harness: GatewayHarness;
  const ma = (method: 'get' | 'post' | 'delete', path: string) =>
    harness.http[method](path)
      .set('x-api-key', MASTER_KEY)
      .set('anthropic-version', '2023-06-01')
      .set('anthropic-beta', 'managed-agents-2026-04-01');

  beforeAll(async () => {
    harness = await startTestGateway('gwma');
  });
  afterAll(() => harness.close());

  describe('agents', () => {
    it('creates an agent in the Managed Agents shape, visible through LAP too', async () => {
      const created = await ma('post', '/v1/agents?beta=true')
        .send({
          name: 'a',
          model: { id: 'claude-opus-4-5', speed: 'fast' },
          tools: [{ type: 'custom', name: 't' }],
        })
        .expect(200);
      expect(created.body).toMatchObject({
        type: 'agent',
        id: expect.stringMatching(/^agent_[0-9a-z]{26}$/),
        model: { id: 'claude-opus-4-5' },
        system: null,
        description: null,
        tools: [{ type: 'custom', name: 't' }],
        metadata: {},
        version: 1,
        archived_at: null,
      });
      const viaLap = await harness.authed('get', `/api/agents/${created.body.id}`).expect(200);
      expect(viaLap.body).toMatchObject({ id: created.body.id, runtime: 'cursor', owner_id: 'default' });
    });

    it('names unknown fields and bad values in a 400 of the Anthropic shape', async () => {
      const unknown = await ma('post', '/v1/agents').send({ name: 'a', model: 'm', skills: [] }).expect(400);
      expect(unknown.body).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'body: unknown field "skills"' },
      });
      const noModel = await ma('post', '/v1/agents').send({ name: 'a' }).expect(400);
      expect(noModel.body.error.message).toMatch(/^model: /);
      // PostgreSQL cannot store a NUL character: named at the edge, not a 500 from the database.
      const nul = await ma('post', '/v1/agents')
        .send({ name: 'a', model: 'm', system: 'x\u0000' })
        .expect(400);
      expect(nul.body).toEqual({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'system: text cannot contain the NUL character (\\u0000)',
        },
      });
    });

    it('updates with POST; a stale version is a 409 the SDK is told not to retry', async () => {
      const { body: agent } = await ma('post', '/v1/agents').send({ name: 'v', model: 'm' }).expect(200);
      const unchanged = await ma('post', `/v1/agents/${agent.id}`).send({ name: 'v' }).expect(200);
      expect(unchanged.body.version).toBe(1);
      const updated = await ma('post', `/v1/agents/${agent.id}`)
        .send({ version: 1, system: 'terse', metadata: { a: '1', b: '2' } })
        .expect(200);
      expect(updated.body).toMatchObject({ version: 2, system: 'terse', metadata: { a: '1', b: '2' } });
      const patched = await ma('post', `/v1/agents/${agent.id}`)
        .send({ metadata: { a: null } })
        .expect(200);
      expect(patched.body.metadata).toEqual({ b: '2' });

      const stale = await ma('post', `/v1/agents/${agent.id}`).send({ version: 1, name: 'x' }).expect(409);
      expect(stale.headers['x-should-retry']).toBe('false');
      expect(stale.body).toEqual({
        type: 'error',
        error: { type: 'conflict_error', message: expect.stringContaining('is at version 3, not 1') },
      });
      await ma('get', `/v1/agents/${agent.id}?version=1`).expect(404);
      await ma('get', `/v1/agents/${agent.id}?version=3`).expect(200);
    });

    it('archives: still readable here, gone from LAP and from lists unless asked for', async () => {
      const { body: agent } = await ma('post', '/v1/agents').send({ name: 'old', model: 'm' }).expect(200);
      const archived = await ma('post', `/v1/agents/${agent.id}/archive`).expect(200);
      expect(archived.body.archived_at).toEqual(expect.any(String));
      const again = await ma('post', `/v1/agents/${agent.id}/archive`).expect(200);
      expect(again.body.archived_at).toBe(archived.body.archived_at);
      expect((await ma('get', `/v1/agents/${agent.id}`).expect(200)).body.archived_at).toBe(
        archived.body.archived_at,
      );
      await harness.authed('get', `/api/agents/${agent.id}`).expect(404);
      await ma('post', `/v1/agents/${agent.id}`).send({ name: 'revived' }).expect(404);
      const active = await ma('get', '/v1/agents?limit=100').expect(200);
      expect(active.body.data.map((a: { id: string }) => a.id)).not.toContain(agent.id);
      const all = await ma('get', '/v1/agents?limit=100&include_archived=true').expect(200);
      expect(all.body.data.map((a: { id: string }) => a.id)).toContain(agent.id);
    });

    it('pages newest first with next_page until it is null', async () => {
      const fresh = await startTestGateway('gwmapage');
      try {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const response = await fresh.http
            .post('/v1/agents')
            .set('x-api-key', MASTER_KEY)
            .send({ name: `a${i}`, model: 'm' });
          ids.push(response.body.id);
        }
        const seen: string[] = [];
        let page: string | null = null;
        do {
          const response: { body: { data: Array<{ id: string }>; next_page: string | null } } =
            await fresh.http
              .get(`/v1/agents?limit=2${page ? `&page=${page}` : ''}`)
              .set('x-api-key', MASTER_KEY)
              .expect(200);
          seen.push(...response.body.data.map((a) => a.id));
          page = response.body.next_page;
        } while (page);
        expect(seen).toEqual([...ids].reverse());
        const bad = await fresh.http.get('/v1/agents?page=nonsense').set('x-api-key', MASTER_KEY).expect(400);
        expect(bad.body.error.message).toMatch(/^page: /);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('environments', () => {
    it('creates with defaults, reads, updates, lists, archives and deletes', async () => {
      const created = await ma('post', '/v1/environments').send({ name: 'plain' }).expect(200);
      expect(created.body).toEqual({
        type: 'environment',
        id: expect.stringMatching(/^env_[0-9a-z]{26}$/),
        name: 'plain',
        description: null,
        config: {
          type: 'cloud',
          networking: { type: 'unrestricted' },
          packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] },
          cursor: { repository: null, ref: null, auto_create_pr: false },
        },
        metadata: {},
        scope: 'account',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        archived_at: null,
      });
      const id = created.body.id;
      expect((await ma('get', `/v1/environments/${id}`).expect(200)).body).toEqual(created.body);
      const updated = await ma('post', `/v1/environments/${id}`)
        .send({
          config: { type: 'cloud', cursor: { repository: 'https://github.com/a/b', auto_create_pr: true } },
          metadata: { k: 'v' },
        })
        .expect(200);
      expect(updated.body.config.cursor).toEqual({
        repository: 'https://github.com/a/b',
        ref: null,
        auto_create_pr: true,
      });
      expect(updated.body.metadata).toEqual({ k: 'v' });
      const list = await ma('get', '/v1/environments').expect(200);
      expect(list.body).toEqual({
        data: expect.arrayContaining([expect.objectContaining({ id })]),
        next_page: null,
      });

      await ma('post', `/v1/environments/${id}/archive`).expect(200);
      const afterArchive = await ma('get', '/v1/environments').expect(200);
      expect(afterArchive.body.data.map((e: { id: string }) => e.id)).not.toContain(id);
      expect((await ma('delete', `/v1/environments/${id}`).expect(200)).body).toEqual({
        type: 'environment_deleted',
        id,
      });
      const gone = await ma('get', `/v1/environments/${id}`).expect(404);
      expect(gone.body.error).toEqual({ type: 'not_found_error', message: `environment "${id}" not found` });
    });

    it('refuses configs Cursor cannot honour', async () => {
      const selfHosted = await ma('post', '/v1/environments')
        .send({ name: 'x', config: { type: 'self_hosted' } })
        .expect(400);
      expect(selfHosted.body.error.message).toContain('only "cloud" environments');
    });
  });
});
