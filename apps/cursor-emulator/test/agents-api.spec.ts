import { CursorApiError } from '@lap/cursor-client';
import { agentRequest, collectFrames, startHarness, waitFor, type Harness } from './harness';

async function failure(promise: Promise<unknown>): Promise<CursorApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CursorApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('agents and runs API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rejectedApiKeys: ['revoked-key'] });
  });
  afterAll(() => h.emulator.close());
  beforeEach(async () => {
    await h.admin('POST', '/__emulator/reset');
  });

  it('creates an agent with its first run and shows it in get and list', async () => {
    const { agent, run } = await h.client.createAgent(
      agentRequest('Fix the login bug [pace:1]', { autoCreatePR: true, model: { id: 'gpt-5' } }),
    );
    expect(agent).toMatchObject({
      status: 'ACTIVE',
      name: 'Fix the login bug',
      env: { type: 'cloud' },
      autoCreatePR: true,
      latestRunId: run.id,
      repos: [{ url: 'https://github.com/acme/demo' }],
    });
    expect(Date.parse(agent.createdAt)).not.toBeNaN();
    expect(run.id).toMatch(/^run-[0-9a-f-]{36}$/);
    expect(await h.client.getAgent(agent.id)).toEqual(agent);
    const list = await h.client.listAgents();
    expect(list.items.map((a) => a.id)).toEqual([agent.id]);
    expect(list.items[0]).not.toHaveProperty('repos');
    expect(list.nextCursor).toBeNull();
  });

  it('refuses a follow-up while a run is live, accepts it once the run ended', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[scenario:hang] wait'));
    expect(await failure(h.client.createRun(agent.id, { prompt: { text: 'next' } }))).toMatchObject({
      status: 409,
      code: 'agent_busy',
    });
    await h.client.cancelRun(agent.id, run.id);
    const { run: second } = await h.client.createRun(agent.id, { prompt: { text: 'next' } });
    expect(second).toMatchObject({ agentId: agent.id });
    expect((await h.client.getAgent(agent.id)).latestRunId).toBe(second.id);
    const runs = await h.client.listRuns(agent.id);
    expect(runs.items.map((r) => r.id)).toEqual([second.id, run.id]);
  });

  it('cancels a live run: CANCELLED result on the stream, a second cancel is refused', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[scenario:hang] wait'));
    const streaming = collectFrames(h.client, agent.id, run.id);
    await waitFor(async () => ((await h.stats(run.id)).runs[run.id].frames > 3 ? true : undefined));
    expect(await h.client.cancelRun(agent.id, run.id)).toEqual({ id: run.id });
    const frames = await streaming;
    expect(frames.slice(-2).map((f) => f.event)).toEqual(['result', 'done']);
    expect(frames[frames.length - 2].data).toMatchObject({ runId: run.id, status: 'CANCELLED' });
    expect(await h.client.getRun(agent.id, run.id)).toMatchObject({ status: 'CANCELLED' });
    expect(await failure(h.client.cancelRun(agent.id, run.id))).toMatchObject({
      status: 409,
      code: 'run_not_cancellable',
    });
  });

  it('archives and unarchives: archived agents are hidden by default and take no runs', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('archive me [pace:0]'));
    await collectFrames(h.client, agent.id, run.id);
    expect(await h.client.archiveAgent(agent.id)).toEqual({ id: agent.id });
    expect((await h.client.getAgent(agent.id)).status).toBe('ARCHIVED');
    expect((await h.client.listAgents()).items).toEqual([]);
    expect((await h.client.listAgents({ includeArchived: true })).items.map((a) => a.id)).toEqual([agent.id]);
    expect(await failure(h.client.createRun(agent.id, { prompt: { text: 'more' } }))).toMatchObject({
      status: 409,
      code: 'agent_archived',
    });
    await h.client.unarchiveAgent(agent.id);
    await h.client.createRun(agent.id, { prompt: { text: 'more' } });
  });

  it('deletes an agent permanently and answers 404 for unknown agents and runs', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('delete me'));
    expect(await h.client.deleteAgent(agent.id)).toEqual({ id: agent.id });
    expect(await failure(h.client.getAgent(agent.id))).toMatchObject({
      status: 404,
      code: 'agent_not_found',
    });
    expect(await failure(h.client.getRun(agent.id, run.id))).toMatchObject({
      status: 404,
      code: 'agent_not_found',
    });
    const other = await h.client.createAgent(agentRequest('other'));
    expect(await failure(h.client.getRun(other.agent.id, run.id))).toMatchObject({
      status: 404,
      code: 'run_not_found',
    });
    expect(await failure(h.client.getRun(other.agent.id, 'run-nope'))).toMatchObject({
      code: 'run_not_found',
    });
  });

  it('pages through agents and runs with cursors', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push((await h.client.createAgent(agentRequest(`[scenario:hang] agent ${i}`))).agent.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.client.listAgents({ limit: 2, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());

    const agentId = created[0];
    for (let i = 0; i < 2; i++) {
      const latest = (await h.client.getAgent(agentId)).latestRunId!;
      await h.client.cancelRun(agentId, latest);
      await h.client.createRun(agentId, { prompt: { text: `[scenario:hang] follow-up ${i}` } });
    }
    const first = await h.client.listRuns(agentId, { limit: 2 });
    const second = await h.client.listRuns(agentId, { limit: 2, cursor: first.nextCursor! });
    expect(first.items).toHaveLength(2);
    expect(second).toMatchObject({ items: [{ agentId }], nextCursor: null });

    for (const limit of [0, 101]) {
      expect(await failure(h.client.listAgents({ limit }))).toMatchObject({
        status: 400,
        code: 'validation_error',
      });
    }
    expect(await failure(h.client.listAgents({ cursor: 'bogus' }))).toMatchObject({
      code: 'validation_error',
    });
  });

  it('finds agents by the PR they opened', async () => {
    const { agent, run } = await h.client.createAgent(
      agentRequest('[scenario:pr] ship it', { autoCreatePR: true }),
    );
    await collectFrames(h.client, agent.id, run.id);
    const prUrl = (await h.client.getRun(agent.id, run.id)).git!.branches[0].prUrl!;
    await h.client.createAgent(agentRequest('unrelated'));
    expect((await h.client.listAgents({ prUrl })).items.map((a) => a.id)).toEqual([agent.id]);
  });

  it('validates bodies like Cursor: unknown fields, missing body, bad values', async () => {
    const withBranchName = { ...agentRequest('x'), branchName: 'feature/x' };
    const unknownField = await failure(h.client.createAgent(withBranchName));
    expect(unknownField).toMatchObject({ status: 400, code: 'validation_error' });
    expect(unknownField.message).toContain('branchName');
    expect(await failure(h.client.createAgent({ prompt: { text: 'x' }, repos: [] }))).toMatchObject({
      code: 'validation_error',
    });
    expect(await failure(h.client.createAgent(agentRequest('[scenario:nope]')))).toMatchObject({
      code: 'validation_error',
    });

    const raw = await fetch(`${h.emulator.url}/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key-1234' },
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: { code: 'missing_body', message: expect.any(String) } });

    const badJson = await fetch(`${h.emulator.url}/v1/agents`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key-1234', 'content-type': 'application/json' },
      body: '{"prompt":',
    });
    expect(badJson.status).toBe(400);
    const badJsonBody = await badJson.text();
    expect(JSON.parse(badJsonBody)).toMatchObject({ error: { code: 'validation_error' } });
    expect(badJsonBody).not.toMatch(/at .*\.js/);
  });

  it('authenticates with Basic or Bearer and scopes agents to their key', async () => {
    const { agent } = await h.client.createAgent(agentRequest('mine'));
    const bearer = await fetch(`${h.emulator.url}/v1/agents/${agent.id}`, {
      headers: { authorization: 'Bearer test-key-1234' },
    });
    expect(bearer.status).toBe(200);
    expect(await failure(h.clientFor('someone-else').getAgent(agent.id))).toMatchObject({
      status: 404,
      code: 'agent_not_found',
    });

    for (const key of ['revoked-key', 'rejected-by-prefix']) {
      const error = await failure(h.clientFor(key).listAgents());
      expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
      expect(error.message).not.toContain(key);
    }
    const anonymous = await fetch(`${h.emulator.url}/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await failure(h.clientFor('plan-required-key').me())).toMatchObject({
      status: 403,
      code: 'plan_required',
    });
  });

  it('answers unknown routes in the same error shape', async () => {
    const response = await fetch(`${h.emulator.url}/v1/nothing-here`, {
      headers: { authorization: 'Bearer k' },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
