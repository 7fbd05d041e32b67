import type { RawRecord } from '@lap/contracts';
import { sleep, type StoredRecord } from '@lap/messaging';
import { ApiGate } from './api-gate';
import { canonicalEvents } from './canonical-events';
import type { ChaosPlatform } from './chaos-platform';
import type { ChaosProfile } from './chaos-profile';
import { emulatorStats } from './emulator-stats';
import { failoverTimes, type Failover } from './failover-times';
import {
  FaultInjector,
  startWithRetries,
  type FaultKind,
  type InjectedFault,
  type OutageObservation,
} from './fault-injector';
import { GatewayApi } from './gateway-api';
import { compareSequences, isClean, type SequenceDiff } from './sequence-check';
import { ResumingSseReader } from './resuming-sse-reader';
import { SeededRandom } from './seeded-random';
import { readSessionEvents, readSessionRaw } from './session-records';
import {
  planSessions,
  promptOf,
  scriptKey,
  undisturbed,
  type MessagePlan,
  type SessionPlan,
} from './session-plan';
import { judgeSession, type SessionVerdict } from './session-verdict';
import { waitForIdle } from './session-watch';

/** How long the projection may take, after the sessions settled, to list every event. */
const PROJECTION_SETTLE_MS = 60_000;
/** How many gaps a scripted fault that finds no target waits through before it is reported not injected. */
const MAX_SCRIPTED_FAULT_SKIPS = 5;

export interface ChaosOutcome {
  profile: ChaosProfile;
  seed: number;
  plans: SessionPlan[];
  /** Sessions that never reached the end of their last message. */
  incomplete: string[];
  verdicts: SessionVerdict[];
  /** Each session's REST event list (the gateways' projection) against its events in JetStream. */
  projection: Array<{ sessionId: string; diff: SequenceDiff }>;
  faults: InjectedFault[];
  outages: OutageObservation[];
  failovers: Failover[];
  cursorFaultsFired: Record<string, number>;
  runs: number;
  upstreamConnections: number;
  sseReconnects: number;
  /** Streams a gateway ended with `event: error` (the client resumed after them). */
  sseStreamErrors: number;
  /** Messages left in the command queue once everything settled (must be 0). */
  commandsLeft: number;
  /** Subject and body of each command left over (to tell why). */
  leftoverCommands: string[];
  /** Raw records not yet normalized or not acked once everything settled (must be 0). */
  rawPending: number;
  elapsedMs: number;
}

/**
 * One chaos run: records each script's undisturbed event sequence, then plays the planned sessions
 * through the gateways while faults strike the platform, repairs everything, waits for every session
 * to finish and checks each one.
 */
export class ChaosRun {
  private readonly started = Date.now();
  private readonly plans: SessionPlan[];
  private readonly schedule: SeededRandom;
  private readonly gate = new ApiGate();
  private readonly expected = new Map<string, string[]>();
  private readonly sessions = new Map<string, SessionPlan>();
  private readonly readers = new Map<string, ResumingSseReader>();
  private readonly readersDone: Promise<void>[] = [];
  private readonly injector: FaultInjector;
  private agentId = '';

  constructor(
    private readonly platform: ChaosPlatform,
    private readonly profile: ChaosProfile,
    private readonly seed: number,
    private readonly say: (line: string) => void,
  ) {
    this.plans = planSessions(new SeededRandom(seed), profile.plan);
    this.schedule = new SeededRandom(seed ^ 0x5eed);
    this.injector = new FaultInjector(
      platform,
      this.gate,
      new SeededRandom(seed ^ 0xfa17),
      () => [...this.readers.values()].reduce((sum, r) => sum + r.frames.length, 0),
      () => [...this.readers].filter(([, reader]) => !reader.complete).map(([sessionId]) => sessionId),
      () => [...this.sessions.keys()][0],
    );
  }

  async run(): Promise<ChaosOutcome> {
    try {
      const api = this.api();
      await api.storeCursorKey('crsr_chaos_test_key', this.platform.emulatorUrl);
      this.agentId = await api.createAgent('chaos-agent');
      await this.recordExpectedSequences();
      await this.playUnderFaults();
      await this.repairEverything();
      const incomplete = await this.waitForSessions();
      return await this.outcome(incomplete);
    } finally {
      for (const reader of this.readers.values()) reader.stop();
      await Promise.allSettled(this.readersDone);
      // Restarts still under way finish (or are refused once the platform is destroyed), bounded.
      const bound = new AbortController();
      await Promise.race([this.injector.recoverAll(), sleep(60_000, bound.signal)]);
      bound.abort();
    }
  }

  private api(): GatewayApi {
    const live = this.platform.gateways.findIndex((g) => g.running);
    return new GatewayApi(this.platform.gatewayUrl(Math.max(0, live)), this.platform.masterKey);
  }

  private startSession(messages: readonly MessagePlan[]): Promise<string> {
    return this.gate.call(async () => {
      const api = this.api();
      const sessionId = await api.startSession(this.agentId, promptOf(messages[0], 0));
      for (const [i, message] of messages.entries()) {
        if (i > 0) await api.sendFollowUp(sessionId, promptOf(message, i));
      }
      return sessionId;
    });
  }

  /** Each script played once, at full speed and undisturbed, before anything breaks. */
  private async recordExpectedSequences(): Promise<void> {
    const scripts = new Map(this.plans.map((p) => [scriptKey(p.messages), p.messages]));
    await Promise.all(
      [...scripts].map(async ([key, messages]) => {
        const sessionId = await this.startSession(undisturbed(messages));
        const events = await waitForIdle(this.platform, sessionId, messages.length, 60_000);
        this.expected.set(key, canonicalEvents(events.map((e) => e.data)));
      }),
    );
    this.say(`expected sequences recorded for ${this.expected.size} scripts`);
  }

  /** Sessions start at planned moments while faults strike, until the window closes. */
  private async playUnderFaults(): Promise<void> {
    const windowStart = Date.now();
    const at = () => `${((Date.now() - windowStart) / 1000).toFixed(1)} s`;
    const startTimes = this.plans
      .map(() => this.schedule.int(0, this.profile.startsWithinMs))
      .sort((a, b) => a - b);
    const driver = (async () => {
      for (const [i, plan] of this.plans.entries()) {
        await sleep(Math.max(0, windowStart + startTimes[i] - Date.now()));
        this.follow(await this.startSession(plan.messages), plan);
      }
    })();

    const scripted: FaultKind[] = [...this.profile.scriptedFaults];
    // Every scripted fault is injected, even if that takes past the window. One that finds no target to
    // spare (its pool still restarting earlier victims) is tried again at the next gap, a few times.
    let skips = 0;
    while (Date.now() - windowStart < this.profile.windowMs || scripted.length > 0) {
      await sleep(this.schedule.int(...this.profile.faultGapMs));
      const random = this.profile.randomFaults;
      const kind = scripted[0] ?? (random.length ? this.schedule.pick(random) : undefined);
      if (!kind) continue;
      const injected = await this.injector.inject(kind);
      const target = injected ? this.injector.injected[this.injector.injected.length - 1].target : 'skipped';
      this.say(`${at()}: ${kind} (${target}) at ${new Date().toISOString()}`);
      if (kind !== scripted[0]) continue;
      if (injected || ++skips >= MAX_SCRIPTED_FAULT_SKIPS) {
        scripted.shift();
        skips = 0;
      }
    }
    await driver;
    this.say(`fault window over after ${at()} at ${new Date().toISOString()}`);
  }

  /** Watches the session's SSE stream like a client would, through every fault, on any gateway. */
  private follow(sessionId: string, plan: SessionPlan): void {
    this.sessions.set(sessionId, plan);
    const gateways = this.platform.gateways.map((_, g) => this.platform.gatewayUrl(g + plan.index));
    const reader = new ResumingSseReader({
      gatewayUrls: gateways,
      masterKey: this.platform.masterKey,
      sessionId,
      isComplete: (frames) =>
        frames.filter((f) => f.event === 'session.status_idle').length >= plan.messages.length,
    });
    this.readers.set(sessionId, reader);
    this.readersDone.push(reader.run());
  }

  private async repairEverything(): Promise<void> {
    await this.injector.recoverAll();
    for (const service of this.platform.services) if (!service.running) await startWithRetries(service);
    await this.platform.databaseRelay.restore();
  }

  /** Waits for every session's last run to end and every SSE client to have seen it; the unfinished ones. */
  private async waitForSessions(): Promise<string[]> {
    const settleStart = Date.now();
    const deadline = settleStart + this.profile.settleTimeoutMs;
    const incomplete: string[] = [];
    for (const [sessionId, plan] of this.sessions) {
      const left = Math.max(1_000, deadline - Date.now());
      await waitForIdle(this.platform, sessionId, plan.messages.length, left).catch(() =>
        incomplete.push(sessionId),
      );
    }
    const readersWait = new AbortController();
    await Promise.race([
      Promise.all(this.readersDone),
      sleep(Math.max(5_000, deadline - Date.now()), readersWait.signal),
    ]);
    readersWait.abort();
    const readersDone = [...this.readers.values()].filter((r) => r.complete).length;
    const lastReader = Math.max(...[...this.readers.values()].map((r) => r.lastFrameTime));
    this.say(`last SSE frame at ${new Date(lastReader).toISOString()}`);
    this.say(
      `sessions settled ${((Date.now() - settleStart) / 1000).toFixed(1)} s after the repairs (incomplete ${incomplete.length}); SSE clients done ${readersDone}/${this.readers.size}`,
    );
    return incomplete;
  }

  /**
   * Waits (bounded) for the projection to list every session's events as JetStream holds them: a
   * gateway killed while it held the projection's lease hands it over only when the lease expires.
   */
  private async projectionDiffs(
    expected: Map<string, string[]>,
  ): Promise<Array<{ sessionId: string; diff: SequenceDiff }>> {
    const deadline = Date.now() + PROJECTION_SETTLE_MS;
    const diffs = new Map<string, SequenceDiff>();
    for (;;) {
      for (const sessionId of expected.keys()) {
        if (diffs.has(sessionId) && isClean(diffs.get(sessionId)!)) continue;
        const listed = await this.api()
          .listedEventIds(sessionId)
          .catch(() => [] as string[]);
        diffs.set(sessionId, compareSequences(expected.get(sessionId)!, listed));
      }
      if ([...diffs.values()].every(isClean) || Date.now() > deadline) break;
      await sleep(500);
    }
    return [...diffs].map(([sessionId, diff]) => ({ sessionId, diff }));
  }

  private async outcome(incomplete: string[]): Promise<ChaosOutcome> {
    const { client, names } = this.platform;
    const verdicts: SessionVerdict[] = [];
    const rawLogs = new Map<string, StoredRecord<RawRecord>[]>();
    const runIds = new Set<string>();
    const streamIds = new Map<string, string[]>();
    for (const [sessionId, plan] of this.sessions) {
      const events = await readSessionEvents(client, names, sessionId);
      streamIds.set(
        sessionId,
        events.map((e) => e.data.id),
      );
      const raw = await readSessionRaw(client, names, sessionId);
      rawLogs.set(sessionId, raw);
      for (const r of raw) {
        if (r.data.kind === 'cursor.agent_created' || r.data.kind === 'cursor.run_created')
          runIds.add(r.data.runId);
      }
      const expected = this.expected.get(scriptKey(plan.messages))!;
      verdicts.push(judgeSession(sessionId, expected, events, raw, this.readers.get(sessionId)!.frames));
    }
    const projection = await this.projectionDiffs(streamIds);
    const stats = await emulatorStats(this.platform.emulatorUrl);
    const runnerLosses = this.injector.injected.flatMap((f) =>
      f.kind.startsWith('runner.') && f.pid !== undefined ? [{ kind: f.kind, pid: f.pid, at: f.at }] : [],
    );
    const left = await this.leftOverWork();
    return {
      profile: this.profile,
      seed: this.seed,
      plans: this.plans,
      incomplete,
      verdicts,
      projection,
      faults: this.injector.injected,
      outages: this.injector.outages,
      failovers: failoverTimes(runnerLosses, rawLogs),
      cursorFaultsFired: stats.totals.faultsFired,
      runs: runIds.size,
      upstreamConnections: [...runIds].reduce(
        (n, id) => n + (stats.runs[id]?.streamConnectionsOpened ?? 0),
        0,
      ),
      sseReconnects: [...this.readers.values()].reduce((sum, r) => sum + r.reconnects, 0),
      sseStreamErrors: [...this.readers.values()].reduce((sum, r) => sum + r.streamErrors, 0),
      commandsLeft: left.commands.length,
      leftoverCommands: left.commands,
      rawPending: left.raw,
      elapsedMs: Date.now() - this.started,
    };
  }

  /** Commands still queued and raw records not yet acked; acks trail the last records a little. */
  private async leftOverWork(): Promise<{ commands: string[]; raw: number }> {
    const { client, names } = this.platform;
    const count = async () => {
      const commands = await client.jsm.streams.info(names.streams.commands);
      const raw = await client.jsm.consumers.info(names.streams.raw, names.consumers.normalizers);
      return { commands: commands.state, raw: raw.num_pending + raw.num_ack_pending };
    };
    let left = await count();
    for (let i = 0; i < 40 && left.commands.messages + left.raw > 0; i++) {
      await sleep(500);
      left = await count();
    }
    const commands: string[] = [];
    for (
      let seq = left.commands.first_seq;
      left.commands.messages > 0 && seq <= left.commands.last_seq;
      seq++
    ) {
      const message = await client.jsm.streams.getMessage(names.streams.commands, { seq }).catch(() => null);
      if (message) commands.push(`#${seq} ${message.subject} ${message.string().slice(0, 200)}`);
    }
    return { commands, raw: left.raw };
  }
}
