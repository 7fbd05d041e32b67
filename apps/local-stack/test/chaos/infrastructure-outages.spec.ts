import { readdirSync, rmSync, truncateSync } from 'fs';
import path from 'path';
import { sleep } from '@lap/messaging';
import { canonicalEvents } from './support/canonical-events';
import { ChaosPlatform } from './support/chaos-platform';
import { GatewayApi } from './support/gateway-api';
import { ResumingSseReader } from './support/resuming-sse-reader';
import { readSessionRaw } from './support/session-records';
import { cursorFrameIds, waitForCursorFrames, waitForIdle } from './support/session-watch';

/**
 * The infrastructure under the platform goes away mid-run: NATS is restarted (every service must
 * reconnect by itself, nothing lost), PostgreSQL is cut off (the API answers 503 with a clear message,
 * live streams go on, everything recovers when it returns).
 */
const CURSOR_KEY = 'crsr_outage_test_key';
const LONG_RUN = 'Task 1: [scenario:long] [pace:40]';

describe('infrastructure outages (real processes)', () => {
  let platform: ChaosPlatform;
  let api: GatewayApi;
  let agentId: string;
  let uninterrupted: string[];

  beforeAll(async () => {
    platform = await ChaosPlatform.start({
      label: 'outages',
      runners: 2,
      normalizers: 2,
      gateways: 1,
      runnerAckWaitMs: 5_000,
      normalizerAckWaitMs: 5_000,
    });
    api = new GatewayApi(platform.gatewayUrl(0), platform.masterKey);
    await api.storeCursorKey(CURSOR_KEY, platform.emulatorUrl);
    agentId = await api.createAgent('outage-agent');
    const baseline = await api.startSession(agentId, 'Task 1: [scenario:long] [pace:0]');
    uninterrupted = canonicalEvents((await waitForIdle(platform, baseline)).map((e) => e.data));
  }, 180_000);

  afterAll(() => platform?.destroy({ keepLogs: process.env.CHAOS_KEEP_LOGS === '1' }), 60_000);

  /** Tries `call` until NATS answers it (the test's own connection reconnects after a restart too). */
  async function waitForAnswer<T>(call: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
  }

  const watch = (sessionId: string) => {
    const reader = new ResumingSseReader({
      gatewayUrls: [platform.gatewayUrl(0)],
      masterKey: platform.masterKey,
      sessionId,
      isComplete: (frames) => frames.some((f) => f.event === 'session.status_idle'),
    });
    return { reader, done: reader.run() };
  };

  it('NATS restarted mid-run: every service reconnects by itself and no event is lost or repeated', async () => {
    const sessions = await Promise.all([1, 2, 3].map(() => api.startSession(agentId, LONG_RUN)));
    const clients = sessions.map(watch);
    await Promise.all(sessions.map((id) => waitForCursorFrames(platform, id, 30)));
    const pids = platform.services.map((s) => s.pid);

    await platform.nats.restart(2_000);

    for (const [i, sessionId] of sessions.entries()) {
      const events = await waitForIdle(platform, sessionId);
      expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
      const ids = cursorFrameIds(await readSessionRaw(platform.client, platform.names, sessionId));
      expect(new Set(ids).size).toBe(ids.length);
      await clients[i].done;
      expect(clients[i].reader.frames.map((f) => Number(f.id))).toEqual(events.map((e) => e.seq));
    }
    // Nobody was restarted: the same processes are up and ready again on their own.
    expect(platform.services.map((s) => s.pid)).toEqual(pids);
    await platform.waitUntilReady(30_000);
  });

  it("NATS back with the command queue's sequence gone back: prompts sent after it still run", async () => {
    const sessionId = await api.startSession(agentId, 'Task 1: [scenario:long] [pace:0]');
    await waitForIdle(platform, sessionId);
    // What nats-server 2.9 can leave after a hard kill (its issues 6600 and 6881): the work queue's last
    // block emptied by the acks (0 bytes on disk) and the index that alone kept the stream's last
    // sequence lost. The stream comes back at sequence 0; the runners' consumer remembers delivering
    // further, and would skip every command stored under a sequence it has passed. The queue is empty
    // here (every command done), so emptying the blocks loses nothing else.
    const { commands } = platform.names.streams;
    await waitForAnswer(async () => {
      if ((await platform.client.jsm.streams.info(commands)).state.messages > 0) throw new Error('queued');
    });
    await platform.nats.stop();
    const blocks = path.join(platform.nats.storeDir, 'jetstream', '$G', 'streams', commands, 'msgs');
    for (const file of readdirSync(blocks)) {
      if (file.endsWith('.idx')) rmSync(path.join(blocks, file));
      if (file.endsWith('.blk')) truncateSync(path.join(blocks, file), 0);
    }
    await platform.nats.start();
    const stream = await waitForAnswer(() => platform.client.jsm.streams.info(commands));
    expect(stream.state.last_seq).toBe(0);

    await platform.waitUntilReady(30_000);
    await api.sendFollowUp(sessionId, 'Task 2: [scenario:long] [pace:0]');
    const fresh = await api.startSession(agentId, 'Task 1: [scenario:long] [pace:0]');

    const followed = await waitForIdle(platform, sessionId, 2, 60_000);
    expect(followed.filter((e) => e.data.type === 'user.message')).toHaveLength(2);
    const events = await waitForIdle(platform, fresh, 1, 60_000);
    expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
  });

  it('PostgreSQL cut off: 503 with a clear message, live streams go on, all recovers when it returns', async () => {
    const sessionId = await api.startSession(agentId, LONG_RUN);
    const client = watch(sessionId);
    await waitForCursorFrames(platform, sessionId, 10);

    await platform.databaseRelay.cut();
    try {
      const framesAtCut = client.reader.frames.length;
      for (const [method, path, body] of [
        ['GET', `/session/${sessionId}`, undefined],
        ['POST', '/api/agents', { name: 'x', runtime: 'cursor', model: 'm' }],
        ['POST', '/session', { runtime: 'cursor', agent_id: agentId, prompt: 'hello' }],
      ] as const) {
        const response = await api.request(method, path, body, { signal: AbortSignal.timeout(30_000) });
        expect({ path, status: response.status }).toEqual({ path, status: 503 });
        expect(await response.json()).toMatchObject({
          error: { type: 'service_unavailable_error', message: 'database unavailable, retry shortly' },
        });
      }
      // The live stream is fed from NATS: it goes on while the database is away.
      await sleep(3_000);
      expect(client.reader.frames.length).toBeGreaterThan(framesAtCut);
      expect(client.reader.reconnects).toBe(0);
    } finally {
      await platform.databaseRelay.restore();
    }

    await platform.waitUntilReady(30_000);
    const response = await api.request('GET', `/session/${sessionId}`);
    expect(response.status).toBe(200);
    const events = await waitForIdle(platform, sessionId);
    expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
    await client.done;
    expect(client.reader.frames.map((f) => Number(f.id))).toEqual(events.map((e) => e.seq));
    // The projection catches up: the event list (read from PostgreSQL) ends with the run's end.
    const deadline = Date.now() + 30_000;
    let listed: Array<{ type: string }> = [];
    while (Date.now() < deadline) {
      const page = await api.request('GET', `/v1/sessions/${sessionId}/events?limit=1000`);
      listed = page.ok ? ((await page.json()) as { data: Array<{ type: string }> }).data : [];
      if (listed.length === events.length) break;
      await sleep(250);
    }
    expect(listed.map((e) => e.type)).toEqual(events.map((e) => e.data.type));
  });
});
