import { canonicalEvents } from './support/canonical-events';
import { ChaosPlatform } from './support/chaos-platform';
import { GatewayApi } from './support/gateway-api';
import { waitForCursorFrames, waitForIdle } from './support/session-watch';

/**
 * Invariant 3 with real normalizer processes: one replica is killed (-9) while it holds raw records of
 * live sessions. The other replica must not wait for those records' redelivery (the dead one's ack
 * wait) nor starve behind records handed back again and again: it folds the missing ones from the raw
 * log, and every session's events stay exactly those of an undisturbed run.
 */
const NORMALIZER_ACK_WAIT_MS = 10_000;

describe('normalizer failover (real processes)', () => {
  let platform: ChaosPlatform;
  let api: GatewayApi;
  let agentId: string;
  let uninterrupted: string[];

  beforeAll(async () => {
    platform = await ChaosPlatform.start({
      label: 'normalizers',
      runners: 1,
      normalizers: 2,
      gateways: 1,
      runnerAckWaitMs: 5_000,
      normalizerAckWaitMs: NORMALIZER_ACK_WAIT_MS,
    });
    api = new GatewayApi(platform.gatewayUrl(0), platform.masterKey);
    await api.storeCursorKey('crsr_normalizer_test_key', platform.emulatorUrl);
    agentId = await api.createAgent('normalizer-agent');
    const baseline = await api.startSession(agentId, 'Task 1: [scenario:long] [pace:0]');
    uninterrupted = canonicalEvents((await waitForIdle(platform, baseline)).map((e) => e.data));
  }, 180_000);

  afterAll(() => platform?.destroy({ keepLogs: process.env.CHAOS_KEEP_LOGS === '1' }), 60_000);

  it('kill -9 of a replica holding records: the sessions go on at once, nothing lost or repeated', async () => {
    const sessions = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() => api.startSession(agentId, 'Task 1: [scenario:long] [pace:20]')),
    );
    await waitForCursorFrames(platform, sessions[0], 40);
    const victim = platform.normalizers[1];
    await victim.signal('SIGKILL');
    const restarted = new Promise((resolve) => setTimeout(resolve, 1_000)).then(() => victim.start());

    for (const sessionId of sessions) {
      const events = await waitForIdle(platform, sessionId);
      expect(canonicalEvents(events.map((e) => e.data))).toEqual(uninterrupted);
      const pauses = events.slice(1).map((e, i) => e.time.getTime() - events[i].time.getTime());
      // Waiting for the dead replica's records to be redelivered would pause a session a whole ack wait.
      expect(Math.max(...pauses)).toBeLessThan(NORMALIZER_ACK_WAIT_MS / 2);
    }
    await restarted;
  });
});
