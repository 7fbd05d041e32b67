import { readSessionRaw } from './support/session-records';
import { canonicalEvents } from './support/canonical-events';
import { ChaosPlatform } from './support/chaos-platform';
import { emulatorRunFrameIds } from './support/emulator-run-log';
import { emulatorStats } from './support/emulator-stats';
import { failoverTimes } from './support/failover-times';
import { GatewayApi } from './support/gateway-api';
import {
  cursorFrameIds,
  holderOf,
  waitForCursorFrames,
  waitForIdle,
  waitForTakeover,
  writerPid,
} from './support/session-watch';
import { Header, type RawRecord } from '@lap/contracts';
import type { StoredRecord } from '@lap/messaging';

/**
 * Invariants 1 and 2 with real runner processes: a runner killed (-9) mid-run is replaced within the
 * ack wait and Cursor's stream resumes where the raw log ends; a runner frozen past its lease is fenced
 * out when it wakes; SIGTERM hands sessions over at once.
 */
const ACK_WAIT_MS = 5_000;
/** Redelivery after the lease lapses, plus resolving the key and reconnecting on a loaded machine. */
const FAILOVER_SLACK_MS = 7_000;
const CURSOR_KEY = 'crsr_failover_test_key';
const LONG_RUN = 'Task 1: [scenario:long] [pace:40]';

describe('runner failover (real processes)', () => {
  let platform: ChaosPlatform;
  let api: GatewayApi;
  let agentId: string;
  let uninterrupted: string[];

  beforeAll(async () => {
    platform = await ChaosPlatform.start({
      label: 'failover',
      runners: 2,
      normalizers: 1,
      gateways: 1,
      runnerAckWaitMs: ACK_WAIT_MS,
      normalizerAckWaitMs: 5_000,
    });
    api = new GatewayApi(platform.gatewayUrl(0), platform.masterKey);
    await api.storeCursorKey(CURSOR_KEY, platform.emulatorUrl);
    agentId = await api.createAgent('failover-agent');
    const baseline = await api.startSession(agentId, 'Task 1: [scenario:long] [pace:0]');
    uninterrupted = canonicalEvents((await waitForIdle(platform, baseline)).map((e) => e.data));
  }, 180_000);

  afterAll(() => platform?.destroy({ keepLogs: process.env.CHAOS_KEEP_LOGS === '1' }), 60_000);

  afterEach(async () => {
    // Each test starts with both runners up and awake.
    for (const runner of platform.runners) {
      await runner.signal('SIGCONT');
      if (!runner.running) await runner.start();
    }
  }, 120_000);

  const runOf = (raw: readonly StoredRecord<RawRecord>[]) => {
    const created = raw.find((r) => r.data.kind === 'cursor.agent_created')!.data as Extract<
      RawRecord,
      { kind: 'cursor.agent_created' }
    >;
    return { agentId: created.agentId, runId: created.runId };
  };

  it('kill -9: another runner takes the session within the ack wait and resumes Cursor’s stream after the last recorded frame', async () => {
    const sessionId = await api.startSession(agentId, LONG_RUN);
    await waitForCursorFrames(platform, sessionId, 40);
    const victim = await holderOf(platform, sessionId);
    const pid = victim.pid!;
    const killedAt = Date.now();
    await victim.signal('SIGKILL');

    const events = await waitForIdle(platform, sessionId);
    const raw = await readSessionRaw(platform.client, platform.names, sessionId);
    const [failover] = failoverTimes([{ kind: 'kill9', pid, at: killedAt }], new Map([[sessionId, raw]]));
    process.stdout.write(`failover after kill -9: ${failover?.ms} ms (ack wait ${ACK_WAIT_MS} ms)\n`);
    expect(failover.ms).not.toBeNull();
    expect(failover.ms!).toBeLessThanOrEqual(ACK_WAIT_MS + FAILOVER_SLACK_MS);

    // The new runner reconnected with Last-Event-ID = the last frame the dead one recorded.
    const lastBeforeKill = raw.filter((r) => writerPid(r) === pid).pop()!;
    const takeover = raw.find((r) => r.time.getTime() > killedAt && writerPid(r) !== pid)!;
    const lastFrameId = lastBeforeKill.headers[Header.CursorLastEventId];
    expect(takeover.headers['Nats-Msg-Id']).toMatch(new RegExp(`:status@${lastFrameId ?? 'start'}$`));

    // One Cursor agent and run, streamed over two connections at least, every frame recorded once.
    const { agentId: cursorAgentId, runId } = runOf(raw);
    expect(raw.filter((r) => r.data.kind === 'cursor.agent_created')).toHaveLength(1);
    const stats = await emulatorStats(platform.emulatorUrl);
    expect(stats.runs[runId].streamConnectionsOpened).toBeGreaterThanOrEqual(2);
    const recorded = cursorFrameIds(raw).map((id) => id.split('/')[1]);
    expect(recorded).toEqual(
      await emulatorRunFrameIds(platform.emulatorUrl, CURSOR_KEY, cursorAgentId, runId),
    );

    expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
  });

  it('a runner frozen past its lease (a partition) is fenced out when it wakes and stops working on the session', async () => {
    const sessionId = await api.startSession(agentId, LONG_RUN);
    await waitForCursorFrames(platform, sessionId, 40);
    const victim = await holderOf(platform, sessionId);
    const pid = victim.pid!;
    const frozenAt = Date.now();
    await victim.signal('SIGSTOP');
    // Another runner takes over once the lease lapses; then the frozen one wakes up with stale state.
    const takeover = await waitForTakeover(
      platform,
      sessionId,
      pid,
      frozenAt,
      ACK_WAIT_MS + FAILOVER_SLACK_MS,
    );
    const fenced = victim.waitForLine(
      new RegExp(`session ${sessionId}: fenced out by another runner`),
      30_000,
    );
    await victim.signal('SIGCONT');
    await fenced;

    const events = await waitForIdle(platform, sessionId);
    const raw = await readSessionRaw(platform.client, platform.names, sessionId);
    // Nothing the woken runner tried to append after the takeover was stored. (A record it sent just
    // before SIGSTOP landed can be stored after `frozenAt`: it is still before the takeover.)
    expect(raw.filter((r) => writerPid(r) === pid && r.seq > takeover.seq)).toEqual([]);
    const ids = cursorFrameIds(raw);
    expect(new Set(ids).size).toBe(ids.length);
    expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
    expect(victim.running).toBe(true);
  });

  it('SIGTERM hands every live session over at once, well before the ack wait', async () => {
    const sessions = await Promise.all([1, 2, 3, 4].map(() => api.startSession(agentId, LONG_RUN)));
    await Promise.all(sessions.map((id) => waitForCursorFrames(platform, id, 20)));
    const victim = await holderOf(platform, sessions[0]);
    const pid = victim.pid!;
    const terminatedAt = Date.now();
    await victim.signal('SIGTERM');
    expect(victim.lastExit).toEqual({ code: 0, signal: null });

    const raws = new Map<string, StoredRecord<RawRecord>[]>();
    for (const sessionId of sessions) {
      const events = await waitForIdle(platform, sessionId);
      expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
      const raw = await readSessionRaw(platform.client, platform.names, sessionId);
      const ids = cursorFrameIds(raw);
      expect(new Set(ids).size).toBe(ids.length);
      raws.set(sessionId, raw);
    }
    const failovers = failoverTimes([{ kind: 'sigterm', pid, at: terminatedAt }], raws);
    process.stdout.write(`handover after SIGTERM: ${failovers.map((f) => `${f.ms} ms`).join(', ')}\n`);
    expect(failovers.length).toBeGreaterThan(0);
    for (const failover of failovers) {
      expect(failover.ms).not.toBeNull();
      // Measurably faster than waiting for the lease to lapse.
      expect(failover.ms!).toBeLessThan(ACK_WAIT_MS / 2);
    }
  });
});
