import http from 'http';
import type { CursorFrame, ResultFrameData } from '@lap/cursor-client';
import { agentRequest, collectFrames, startHarness, waitFor, withIds, type Harness } from './harness';

describe('run stream', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.emulator.close());

  it('streams the default run as Cursor frames it', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('Explain the README'));
    expect(agent.id).toMatch(/^bc-[0-9a-f-]{36}$/);
    expect(run).toMatchObject({ agentId: agent.id, status: 'CREATING' });
    const frames = await collectFrames(h.client, agent.id, run.id);
    const events = frames.map((f) => f.event);

    expect(frames[0]).toEqual({
      id: null,
      event: 'status',
      data: { runId: run.id, status: expect.any(String) },
    });
    for (const frame of frames.slice(1)) expect(frame.id).toMatch(/^\d+-\d+$/);
    expect(events.slice(-2)).toEqual(['result', 'done']);
    for (const kind of ['thinking', 'assistant', 'tool_call', 'interaction_update', 'heartbeat']) {
      expect(events).toContain(kind);
    }
    const toolFrames = frames
      .filter((f) => f.event === 'tool_call')
      .map((f) => f.data as Record<string, unknown>);
    expect(new Set(toolFrames.map((d) => d.callId)).size).toBe(1);
    expect(toolFrames.map((d) => d.status)).toEqual(['running', 'running', 'running', 'completed']);
    const argSizes = toolFrames.map((d) => Object.keys(d.args as object).length);
    expect(argSizes).toEqual([...argSizes].sort((a, b) => a - b));
    expect(toolFrames[3].result).toBeDefined();

    const text = frames
      .filter((f) => f.event === 'assistant')
      .map((f) => (f.data as { text: string }).text)
      .join('');
    const result = frames[frames.length - 2].data as ResultFrameData;
    expect(result).toMatchObject({ runId: run.id, status: 'FINISHED', text });
    expect(result.durationMs).toEqual(expect.any(Number));
    expect(await h.client.getRun(agent.id, run.id)).toMatchObject({ status: 'FINISHED', result: text });
  });

  it('replays a finished run to a late connection, starting with its current status', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('Late watcher'));
    await waitFor(async () =>
      (await h.client.getRun(agent.id, run.id)).status === 'FINISHED' ? true : undefined,
    );
    const frames = await collectFrames(h.client, agent.id, run.id);
    expect(frames[0]).toEqual({ id: null, event: 'status', data: { runId: run.id, status: 'FINISHED' } });
    expect(frames.map((f) => f.event).slice(-2)).toEqual(['result', 'done']);
  });

  it('resumes after Last-Event-ID with exactly the remaining frames', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('Resume me'));
    const full = withIds(await collectFrames(h.client, agent.id, run.id));
    for (const cut of [0, 3, full.length - 2, full.length - 1]) {
      const resumed = await collectFrames(h.client, agent.id, run.id, { lastEventId: full[cut].id! });
      expect(resumed[0].event).toBe('status');
      expect(resumed[0].id).toBeNull();
      expect(withIds(resumed)).toEqual(full.slice(cut + 1));
    }
  });

  it('follows a live run from where a dropped reader stopped, without gaps or repeats', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('[pace:10] live resume'));
    const first = await collectFrames(h.client, agent.id, run.id, { stopAfter: 4 });
    const lastId = withIds(first).pop()!.id!;
    const rest = await collectFrames(h.client, agent.id, run.id, { lastEventId: lastId });
    const all = await collectFrames(h.client, agent.id, run.id);
    expect([...withIds(first), ...withIds(rest)]).toEqual(withIds(all));
  });

  it('sends a reader that stopped reading the whole log once it reads again (waits for the socket to drain)', async () => {
    // 12 MiB of frames: more than the loopback socket's buffers hold, so writes wait for a drain.
    const { agent, run } = await h.client.createAgent(
      agentRequest('[scenario:bench][frames:400][frame_bytes:32768][pace:0] go'),
    );
    await waitFor(async () => (await h.client.getRun(agent.id, run.id)).status === 'FINISHED' || undefined);
    const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .get(
          `${h.emulator.url}/v1/agents/${agent.id}/runs/${run.id}/stream`,
          {
            headers: { authorization: `Basic ${Buffer.from('test-key-1234:').toString('base64')}` },
          },
          resolve,
        )
        .on('error', reject),
    );
    response.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    let text = '';
    response.setEncoding('utf8');
    for await (const chunk of response) text += chunk;
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(events.filter((event) => event === 'assistant' || event === 'thinking')).toHaveLength(400);
    expect(events.slice(-2)).toEqual(['result', 'done']);
  });

  it('rejects a Last-Event-ID that is not from this run', async () => {
    const a = await h.client.createAgent(agentRequest('first'));
    const b = await h.client.createAgent(agentRequest('second'));
    const framesOfA = withIds(await collectFrames(h.client, a.agent.id, a.run.id));
    for (const bad of [framesOfA[2].id!, 'not-an-id', '1-999999999']) {
      await expect(collectFrames(h.client, b.agent.id, b.run.id, { lastEventId: bad })).rejects.toMatchObject(
        {
          status: 400,
          code: 'invalid_last_event_id',
        },
      );
    }
  });

  it('announces the retention and counts stream connections per run', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('count me'));
    const response = await fetch(`${h.emulator.url}/v1/agents/${agent.id}/runs/${run.id}/stream`, {
      headers: { authorization: 'Bearer test-key-1234' },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-cursor-stream-retention-seconds')).toBe('345600');
    await response.text();
    await collectFrames(h.client, agent.id, run.id);
    await collectFrames(h.client, agent.id, run.id, { stopAfter: 1 });
    const stats = await waitFor(async () => {
      const s = await h.stats(run.id);
      return s.runs[run.id].streamConnectionsOpen === 0 ? s : undefined;
    });
    expect(Object.keys(stats.runs)).toEqual([run.id]);
    expect(stats.runs[run.id]).toMatchObject({
      agentId: agent.id,
      status: 'FINISHED',
      streamConnectionsOpened: 3,
    });
    expect(stats.totals.streamConnectionsOpened).toBeGreaterThanOrEqual(3);
  });
});

describe('stream retention', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ streamRetentionMs: 50 });
  });
  afterAll(() => h.emulator.close());

  it('answers 410 stream_expired once the retention has passed; GET run still works', async () => {
    const { agent, run } = await h.client.createAgent(agentRequest('expire'));
    const frames: CursorFrame[] = await collectFrames(h.client, agent.id, run.id);
    expect(frames[frames.length - 1].event).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 120));
    await expect(collectFrames(h.client, agent.id, run.id)).rejects.toMatchObject({
      status: 410,
      code: 'stream_expired',
    });
    expect((await h.client.getRun(agent.id, run.id)).status).toBe('FINISHED');
  });
});
