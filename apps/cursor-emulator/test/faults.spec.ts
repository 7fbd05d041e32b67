import { CursorApiError, CursorUnreachableError, StreamStalledError } from '@lap/cursor-client';
import {
  agentRequest,
  collectFrames,
  followToEnd,
  startHarness,
  waitFor,
  withIds,
  type Harness,
} from './harness';

describe('fault injection', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.emulator.close());
  beforeEach(async () => {
    await h.admin('POST', '/__emulator/reset');
  });

  /** The frames a run logged, read in one go after it finished, for comparison. */
  async function referenceFrames(agentId: string, runId: string) {
    return withIds(await collectFrames(h.client, agentId, runId));
  }

  it('drop_after=N closes the first connection after N frames; resuming recovers everything once', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:drop_after=3] go'));
    const first = await collectFrames(h.client, agent.id, run.id);
    expect(withIds(first)).toHaveLength(3);
    expect(first.map((f) => f.event)).not.toContain('done');

    const rest = await collectFrames(h.client, agent.id, run.id, {
      lastEventId: first[first.length - 1].id!,
    });
    expect([...withIds(first), ...withIds(rest)]).toEqual(await referenceFrames(agent.id, run.id));
    const stats = await h.stats(run.id);
    expect(stats.runs[run.id].streamConnectionsOpened).toBe(3);
    expect(stats.totals.faultsFired).toEqual({ drop_after: 1 });
  });

  it('drop_after=N counts frames, not writes: a reader arriving after the run ended also gets N', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:drop_after=3] go'));
    await waitFor(async () => (await h.client.getRun(agent.id, run.id)).status === 'FINISHED' || undefined);
    const first = await collectFrames(h.client, agent.id, run.id);
    expect(withIds(first)).toHaveLength(3);
  });

  it('drop_after with times=K fires K times', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:drop_after=2,times=3] go'));
    const followed = await followToEnd(h.client, agent.id, run.id);
    expect(followed.connections).toBe(4);
    expect(withIds(followed.frames)).toEqual(await referenceFrames(agent.id, run.id));
  });

  it('reset_after=N cuts the socket: the client sees CursorUnreachableError, then resumes', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:reset_after=4] go'));
    const followed = await followToEnd(h.client, agent.id, run.id);
    expect(followed.failures).toHaveLength(1);
    expect(followed.failures[0]).toBeInstanceOf(CursorUnreachableError);
    expect(withIds(followed.frames)).toEqual(await referenceFrames(agent.id, run.id));
  });

  it('unavailable_after=N sends error stream_unavailable + done, and the run goes on', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:unavailable_after=5] go'));
    const first = await collectFrames(h.client, agent.id, run.id);
    expect(first.slice(-2)).toEqual([
      { id: null, event: 'error', data: { code: 'stream_unavailable', message: expect.any(String) } },
      { id: null, event: 'done', data: {} },
    ]);
    expect(withIds(first)).toHaveLength(5);
    const rest = await collectFrames(h.client, agent.id, run.id, { lastEventId: withIds(first).pop()!.id! });
    expect(rest.find((f) => f.event === 'result')!.data).toMatchObject({ status: 'FINISHED' });
  });

  it('done_after=N sends done without a result and closes, while the run goes on', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:done_after=4] go'));
    const first = await collectFrames(h.client, agent.id, run.id);
    expect(withIds(first)).toHaveLength(4);
    expect(first[first.length - 1]).toEqual({ id: null, event: 'done', data: {} });
    expect(first.map((f) => f.event)).not.toContain('result');
    const rest = await collectFrames(h.client, agent.id, run.id, { lastEventId: withIds(first).pop()!.id! });
    expect([...withIds(first), ...withIds(rest)]).toEqual(await referenceFrames(agent.id, run.id));
    expect(rest.find((f) => f.event === 'result')!.data).toMatchObject({ status: 'FINISHED' });
    expect((await h.stats()).totals.faultsFired).toEqual({ done_after: 1 });
  });

  it('no_result=1 ends the run with done alone; GET run still has the outcome', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:no_result=1] go'));
    const frames = await collectFrames(h.client, agent.id, run.id);
    expect(frames.map((f) => f.event)).not.toContain('result');
    expect(frames[frames.length - 1]).toMatchObject({ event: 'done', id: expect.any(String) });
    expect(await h.client.getRun(agent.id, run.id)).toMatchObject({
      status: 'FINISHED',
      result: expect.stringContaining('README'),
    });
  });

  it('stall_after=N,ms=X goes silent: an idle timeout fires StreamStalledError, resuming recovers', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:stall_after=2,ms=5000] go'));
    const followed = await followToEnd(h.client, agent.id, run.id, { idleTimeoutMs: 150 });
    expect(followed.failures).toHaveLength(1);
    expect(followed.failures[0]).toBeInstanceOf(StreamStalledError);
    expect(withIds(followed.frames)).toEqual(await referenceFrames(agent.id, run.id));
    expect((await h.stats()).totals.faultsFired).toEqual({ stall_after: 1 });
  });

  it('slow=MS delays frames of the run without losing any', async () => {
    const started = Date.now();
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:slow=100,after=2,count=3] go'));
    const frames = await collectFrames(h.client, agent.id, run.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(frames[frames.length - 1].event).toBe('done');
  });

  it("rate_limit=N answers the agent's next N requests with 429 and Retry-After", async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:rate_limit=2,retry_after=3] go'));
    for (let i = 0; i < 2; i++) {
      await expect(h.client.getRun(agent.id, run.id)).rejects.toMatchObject({
        status: 429,
        code: 'rate_limit_exceeded',
        retryAfterMs: 3000,
      });
    }
    expect((await h.client.getRun(agent.id, run.id)).id).toBe(run.id);
    // Other agents are not affected.
    await h.client.createAgent(agentRequest('other'));
  });

  it('http_5xx=N answers the next N requests of the agent with 5xx internal_error, stream included', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[fault:http_5xx=2,status=500] go'));
    await expect(collectFrames(h.client, agent.id, run.id)).rejects.toMatchObject({
      status: 500,
      code: 'internal_error',
    });
    await expect(h.client.getAgent(agent.id)).rejects.toMatchObject({ status: 500, code: 'internal_error' });
    const frames = await collectFrames(h.client, agent.id, run.id);
    expect(frames[frames.length - 1].event).toBe('done');
  });

  it('global faults via the admin route apply to everyone, and can be listed and cleared', async () => {
    const added = await h.admin('POST', '/__emulator/faults', {
      faults: ['http_5xx=2', 'rate_limit=1,retry_after=0'],
    });
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({
      requestFaults: [
        { kind: 'http_5xx', remaining: 2 },
        { kind: 'rate_limit', remaining: 1 },
      ],
      streamFaults: [],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        await h.client.me();
        statuses.push(200);
      } catch (error) {
        statuses.push((error as CursorApiError).status);
      }
    }
    expect(statuses).toEqual([503, 503, 429, 200]);

    await h.admin('POST', '/__emulator/faults', { faults: ['drop_after=1'] });
    const { agent, run } = await h.client.createAgent(agentRequest('global drop'));
    expect(withIds(await collectFrames(h.client, agent.id, run.id))).toHaveLength(1);
    await h.admin('DELETE', '/__emulator/faults');
    const later = await h.client.createAgent(agentRequest('no drop'));
    const frames = await collectFrames(h.client, later.agent.id, later.run.id);
    expect(frames[frames.length - 1].event).toBe('done');
  });

  it('refuses malformed fault specs', async () => {
    const response = await h.admin('POST', '/__emulator/faults', { faults: ['explode=1'] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'validation_error' } });
    await expect(h.client.createAgent(agentRequest('[fault:drop_after=x]'))).rejects.toMatchObject({
      code: 'validation_error',
    });
  });
});

describe('faults configured at start-up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ faults: ['unavailable_after=1'] });
  });
  afterAll(() => h.emulator.close());

  it('applies them to every run, and a reset restores them', async () => {
    for (let round = 0; round < 2; round++) {
      const { agent, run } = await h.client.createAgent(agentRequest(`round ${round}`));
      const frames = await collectFrames(h.client, agent.id, run.id);
      expect(frames.map((f) => f.event).slice(-2)).toEqual(['error', 'done']);
      await h.admin('POST', '/__emulator/reset');
      expect((await h.stats()).totals).toMatchObject({ agents: 0, runs: 0, requests: 0 });
    }
  });
});
