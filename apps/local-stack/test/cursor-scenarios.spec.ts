import { cursorFramesOf, type RawRecord, type SessionEvent, type SessionOutputs } from '@lap/contracts';
import {
  createEmulatorApp,
  EmulatorControl,
  SCENARIO_NAMES,
  startScenario,
  type ScenarioName,
} from '@lap/cursor-emulator';
import { waitFor } from '@lap/testing';
import { summarizeEvents, type EventSummary } from './support/event-summary';
import { startInProcessPlatform, type InProcessPlatform } from './support/in-process-platform';
import { expectedTurn } from './support/scripted-turn';
import { SessionDriver } from './support/session-driver';

/**
 * Every emulator scenario and every fault, through the whole platform: gateway → session runner →
 * Cursor emulator → raw log → normalizer → event log → SSE. Each test compares the normalized events
 * with the list the scenario's script implies, exactly (nothing missing, nothing repeated, in order);
 * a fault must not change that list, except where the fault is the point (the error cases).
 */
const CURSOR_KEY = 'crsr_scenarios_key_5e1d7b';
const REPOSITORY = 'https://github.com/acme/shop';
/** Every scenario the emulator knows: one added there is played here without a change. */
const ALL_SCENARIOS: ScenarioName[] = [...SCENARIO_NAMES];
/** The scenarios whose runs end by themselves (`hang` waits for an interrupt). */
const FINISHING = ALL_SCENARIOS.filter((scenario) => framesBeforeHang(scenario) === undefined);
/**
 * Short scripts get every fault one by one. Long ones (`long`, `bench`: a hundred frames and more) only
 * repeat the short ones' structure, so they get every connection fault at once, in one run.
 */
const SHORT = ALL_SCENARIOS.filter((scenario) => scriptFrames(scenario) <= 60);
const LONG = ALL_SCENARIOS.filter((scenario) => !SHORT.includes(scenario));
/** Fast retries, so the error cases give up in well under a second. */
const RUNNER_RETRIES = { CURSOR_RETRY_BASE_MS: 20, CURSOR_RETRY_MAX_DELAY_MS: 200, CURSOR_MAX_ATTEMPTS: 4 };

/** A run as the emulator's `GET …/runs/{runId}` answers it. */
interface CursorRunView {
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  result?: string;
  git?: { branches?: Array<Record<string, string>> };
}

interface Played {
  sessionId: string;
  events: SessionEvent[];
  summaries: EventSummary[];
  cursorIds: Map<string, string>;
}

/**
 * Frames a scenario logs before it hangs (once the runner recorded them, an interrupt comes after all
 * of them), or undefined for a scenario whose run ends by itself.
 */
function framesBeforeHang(scenario: ScenarioName): number | undefined {
  let frames = 0;
  const script = startScenario(scenario, { runId: 'run-count', promptText: '' });
  for (let step = script.next(); !step.done; step = script.next()) {
    if (step.value.kind === 'hang') return frames;
    if (step.value.kind === 'frame') frames++;
  }
  return undefined;
}

function scriptFrames(scenario: ScenarioName): number {
  let frames = 0;
  const script = startScenario(scenario, { runId: 'run-count', promptText: '' });
  for (let step = script.next(); !step.done && step.value.kind !== 'hang'; step = script.next()) frames++;
  return frames;
}

/** The branches a file-editing run reports on `GET run`, in the shape `session.updated` carries them. */
function asOutputBranches(git: { branches?: Array<Record<string, string>> }): SessionOutputs['branches'] {
  return (git.branches ?? []).map((entry) => ({
    repository: entry.repoUrl,
    branch: entry.branch,
    ...(entry.prUrl ? { pr_url: entry.prUrl } : {}),
  }));
}

class ScenarioPlayer {
  readonly driver: SessionDriver;
  readonly emulator: EmulatorControl;
  agentId = '';

  constructor(readonly platform: InProcessPlatform) {
    this.driver = new SessionDriver(platform);
    this.emulator = new EmulatorControl(platform.emulatorUrl);
  }

  async prepare(): Promise<void> {
    await this.driver.putCredentials(CURSOR_KEY, this.platform.emulatorUrl);
    this.agentId = await this.driver.createAgent('scenario-agent');
  }

  /**
   * Starts a session with `prompt`, follows it over SSE until it went idle `idles` times (interrupting
   * a hanging run once its frames are recorded), and checks the stream against the stored event log.
   */
  async play(
    prompt: string,
    options: {
      idles?: number;
      autoCreatePr?: boolean;
      interruptAfterFrames?: number;
      onEvent?: (event: SessionEvent, seen: SessionEvent[], sessionId: string) => void;
    } = {},
  ): Promise<Played> {
    const sessionId = await this.driver.startSession(this.agentId, prompt, {
      repository: REPOSITORY,
      auto_create_pr: options.autoCreatePr ?? false,
    });
    const watching = this.driver.watch(sessionId, options.idles ?? 1, (event, seen) =>
      options.onEvent?.(event, seen, sessionId),
    );
    // Awaited below; this only keeps an early failure from being reported as unhandled meanwhile.
    watching.catch(() => undefined);
    if (options.interruptAfterFrames !== undefined) {
      await waitFor(
        async () =>
          (await this.driver.rawRecords(sessionId))
            .flatMap(cursorFramesOf)
            .filter((frame) => frame.id !== null && frame.event !== 'heartbeat').length >=
          options.interruptAfterFrames!,
        { what: 'the hanging run to reach its hang', timeoutMs: 30_000 },
      );
      await this.driver.interrupt(sessionId);
    }
    const events = await watching;
    await this.expectStoredLogEquals(sessionId, events);
    await this.expectRawLogWithoutRepeats(sessionId);
    return { sessionId, events, ...summarizeEvents(events) };
  }

  /** Plays a scenario (interrupting `hang`), with extra prompt directives such as faults. */
  playScenario(scenario: ScenarioName, directives = '', autoCreatePr = false): Promise<Played> {
    return this.play(this.prompt(scenario, directives), {
      autoCreatePr,
      interruptAfterFrames: framesBeforeHang(scenario),
    });
  }

  prompt(scenario: ScenarioName, directives = ''): string {
    return `Work on the shop [scenario:${scenario}] ${directives}`.trim();
  }

  /** The events a single-run session playing `scenario` must show. */
  async expected(played: Played, scenario: ScenarioName, directives = ''): Promise<EventSummary[]> {
    return expectedTurn({
      prompt: this.prompt(scenario, directives),
      scenario,
      runLabel: 'run#1',
      ...(framesBeforeHang(scenario) === undefined ? {} : { endedBy: 'interrupt' as const }),
      // Only a script that edits files announces them; the others ignore this.
      branches: await this.branchesOf(played, 'run#1'),
    });
  }

  cursorRun(
    played: Pick<Played, 'cursorIds'>,
    runLabel: string,
    emulator = this.emulator,
  ): Promise<CursorRunView> {
    const agentId = played.cursorIds.get('agent');
    const runId = played.cursorIds.get(runLabel);
    return emulator.cursor(CURSOR_KEY, 'GET', `/v1/agents/${agentId}/runs/${runId}`);
  }

  /** What the emulator says the run pushed, as the session should announce it. */
  async branchesOf(played: Played, runLabel: string): Promise<SessionOutputs['branches']> {
    const run = await this.cursorRun(played, runLabel);
    return asOutputBranches(run.git ?? {});
  }

  async connections(played: Played, runLabel: string): Promise<number> {
    return this.emulator.connectionsOpened(played.cursorIds.get(runLabel)!);
  }

  /**
   * The runner recorded every Cursor frame once, however often it reconnected, and settled each message
   * exactly once.
   */
  private async expectRawLogWithoutRepeats(sessionId: string): Promise<void> {
    const records = await this.driver.rawRecords(sessionId);
    const frameIds = records.flatMap(cursorFramesOf).flatMap((frame) => frame.id ?? []);
    expect(new Set(frameIds).size).toBe(frameIds.length);
    const count = (kinds: RawRecord['kind'][]) => records.filter((r) => kinds.includes(r.kind)).length;
    expect(count(['run.settled', 'runner.error'])).toBe(count(['message.taken']));
  }

  /**
   * The SSE stream and the event log every other subscriber reads agree exactly, once the session is at
   * rest (so an event published late, or twice, shows up here). Event ids are unique, and every
   * `agent.tool_result` points at an `agent.tool_use` before it.
   */
  private async expectStoredLogEquals(sessionId: string, streamed: SessionEvent[]): Promise<void> {
    const stored = await this.driver.settledEvents(sessionId);
    expect(streamed).toEqual(stored);
    expect(new Set(stored.map((event) => event.id)).size).toBe(stored.length);
    stored.forEach((event, index) => {
      if (event.type !== 'agent.tool_result') return;
      const toolUse = stored.slice(0, index).find((e) => e.id === event.tool_use_id);
      expect(toolUse?.type).toBe('agent.tool_use');
    });
  }
}

async function startPlayer(
  options: Parameters<typeof startInProcessPlatform>[0] = {},
): Promise<ScenarioPlayer> {
  const player = new ScenarioPlayer(
    await startInProcessPlatform({ ...options, runnerEnv: { ...RUNNER_RETRIES, ...options.runnerEnv } }),
  );
  await player.prepare();
  return player;
}

describe('Cursor scenarios through runner → normalizer → SSE', () => {
  let player: ScenarioPlayer;
  beforeAll(async () => {
    player = await startPlayer();
  });
  afterAll(async () => {
    await player?.platform.stop();
  });

  describe('every scenario, without faults', () => {
    it.each(FINISHING)('%s: exactly the scripted events, over one upstream connection', async (scenario) => {
      const played = await player.playScenario(scenario);
      expect(played.summaries).toEqual(await player.expected(played, scenario));
      expect(await player.connections(played, 'run#1')).toBe(1);
    });

    it('tool_error: the failed command is an agent.tool_result with is_error true', async () => {
      const played = await player.playScenario('tool_error');
      const results = played.summaries.filter((e) => e.type === 'agent.tool_result');
      expect(results).toEqual([
        expect.objectContaining({ is_error: true, text: expect.stringContaining('exit code 1') }),
      ]);
    });

    it('error: the run failing is a terminal session.error with Cursor\u2019s message, then idle', async () => {
      const played = await player.playScenario('error');
      expect(played.summaries.slice(-2)).toEqual([
        {
          type: 'session.error',
          error_type: 'model_request_failed_error',
          message: (await player.cursorRun(played, 'run#1')).result,
          retry_status: 'terminal',
        },
        { type: 'session.status_idle', stop_reason: 'end_turn' },
      ]);
    });

    it('pr with auto_create_pr: session.updated carries branch and PR, and GET /session shows them', async () => {
      const played = await player.playScenario('pr', '', true);
      expect(played.summaries).toEqual(await player.expected(played, 'pr'));
      const branches = await player.branchesOf(played, 'run#1');
      expect(branches).toEqual([
        {
          repository: REPOSITORY,
          branch: expect.stringMatching(/^cursor\//),
          pr_url: expect.stringMatching(/^https:\/\/github\.com\/acme\/shop\/pull\/\d+$/),
        },
      ]);
      const session = await player.driver.idleSession<{
        status: string;
        provider_session_id: string;
        provider_run_id: string;
        outputs: SessionOutputs;
      }>(played.sessionId, played.cursorIds.get('run#1'));
      expect(session).toMatchObject({
        status: 'idle',
        provider_session_id: played.cursorIds.get('agent'),
        provider_run_id: played.cursorIds.get('run#1'),
        outputs: { branches },
      });
    });

    it('pr without auto_create_pr: the branch only', async () => {
      const played = await player.playScenario('pr');
      const branches = await player.branchesOf(played, 'run#1');
      expect(branches).toEqual([{ repository: REPOSITORY, branch: expect.stringMatching(/^cursor\//) }]);
      expect(played.summaries).toEqual(await player.expected(played, 'pr'));
    });

    it('hang + interrupt: user.interrupt, the run is CANCELLED, the session idles with end_turn', async () => {
      const played = await player.playScenario('hang');
      expect(played.summaries).toEqual(await player.expected(played, 'hang'));
      expect((await player.cursorRun(played, 'run#1')).status).toBe('CANCELLED');
      const settled = (await player.driver.rawRecords(played.sessionId)).pop();
      expect(settled).toMatchObject({ kind: 'run.settled', status: 'CANCELLED', source: 'result' });
    });
  });

  describe('follow-up runs', () => {
    it('a message sent while the first run is live is queued, and its run follows the first idle', async () => {
      const first = player.prompt('default', '[pace:10]');
      const second = 'Now the failing tool [scenario:tool_error]';
      let sent: Promise<void> | undefined;
      const played = await player.play(first, {
        idles: 2,
        onEvent: (event, seen, sessionId) => {
          if (event.type === 'session.status_running' && !sent)
            sent = player.driver.prompt(sessionId, second);
        },
      });
      await sent;
      expect(played.summaries).toEqual([
        ...expectedTurn({ prompt: first, scenario: 'default', runLabel: 'run#1' }),
        ...expectedTurn({ prompt: second, scenario: 'tool_error', runLabel: 'run#2' }),
      ]);
      expect(await player.connections(played, 'run#1')).toBe(1);
      expect(await player.connections(played, 'run#2')).toBe(1);
      // The session row names the newest run once its events are projected.
      await player.driver.idleSession(played.sessionId, played.cursorIds.get('run#2'));
    });

    it('retries 409 agent_busy while another client\u2019s run holds the Cursor agent', async () => {
      const played = await player.playScenario('default');
      const agentId = played.cursorIds.get('agent')!;
      const other = await player.emulator.cursor<{ run: { id: string } }>(
        CURSOR_KEY,
        'POST',
        `/v1/agents/${agentId}/runs`,
        { prompt: { text: 'Someone else, from the Cursor app [scenario:hang]' } },
      );
      const before = (await player.emulator.stats()).totals.requests;
      const followUp = 'Continue [scenario:default]';
      await player.driver.prompt(played.sessionId, followUp);
      // The runner keeps asking (and hearing agent_busy) until the other run is over.
      await waitFor(async () => (await player.emulator.stats()).totals.requests >= before + 3, {
        what: 'the runner to retry the busy agent',
      });
      await player.emulator.cursor(
        CURSOR_KEY,
        'POST',
        `/v1/agents/${agentId}/runs/${other.run.id}/cancel`,
        {},
      );
      const events = await player.driver.watch(played.sessionId, 2);
      const all = summarizeEvents(events);
      expect(all.summaries).toEqual([
        ...played.summaries,
        ...expectedTurn({ prompt: followUp, scenario: 'default', runLabel: 'run#2' }),
      ]);
      const followUpRun = await player.cursorRun(all, 'run#2');
      const otherRun = await player.emulator.cursor<CursorRunView>(
        CURSOR_KEY,
        'GET',
        `/v1/agents/${agentId}/runs/${other.run.id}`,
      );
      expect(otherRun.status).toBe('CANCELLED');
      expect(followUpRun.id).not.toBe(other.run.id);
      expect(Date.parse(followUpRun.createdAt)).toBeGreaterThanOrEqual(Date.parse(otherRun.updatedAt));
    });
  });

  describe('one upstream stream per run, however many watch', () => {
    it('25 SSE watchers of one session: one Cursor stream connection per run, the same events for all', async () => {
      const first = player.prompt('default', '[pace:5]');
      const second = 'And the PR [scenario:pr] [pace:5]';
      const sessionId = await player.driver.startSession(player.agentId, first, { repository: REPOSITORY });
      let sent: Promise<void> | undefined;
      const watchers = Array.from({ length: 25 }, (_, index) =>
        player.driver.watch(sessionId, 2, (event) => {
          if (index === 0 && event.type === 'session.status_idle' && !sent) {
            sent = player.driver.prompt(sessionId, second);
          }
        }),
      );
      const seen = await Promise.all(watchers);
      await sent;
      const stored = await player.driver.settledEvents(sessionId);
      for (const events of seen) expect(events).toEqual(stored);
      const played = { sessionId, events: stored, ...summarizeEvents(stored) };
      expect(played.summaries).toEqual([
        ...expectedTurn({ prompt: first, scenario: 'default', runLabel: 'run#1' }),
        ...expectedTurn({
          prompt: second,
          scenario: 'pr',
          runLabel: 'run#2',
          branches: await player.branchesOf(played, 'run#2'),
        }),
      ]);
      expect(await player.connections(played, 'run#1')).toBe(1);
      expect(await player.connections(played, 'run#2')).toBe(1);
    });
  });

  describe('connection faults: the same events, resumed with Last-Event-ID', () => {
    const faults = [
      'drop_after=3,times=2',
      'reset_after=3,times=2',
      'unavailable_after=3,times=2',
      'done_after=3,times=2',
    ];
    const matrix = faults.flatMap((fault) => SHORT.map((scenario) => [fault, scenario] as const));

    it.each(matrix)('%s on %s', async (fault, scenario) => {
      const directives = `[fault:${fault}]`;
      const played = await player.playScenario(scenario, directives);
      expect(played.summaries).toEqual(await player.expected(played, scenario, directives));
      // Two faulty connections, then one that reaches the end.
      expect(await player.connections(played, 'run#1')).toBe(3);
    });

    it.each(LONG)('every connection fault in one run of %s', async (scenario) => {
      // Each fires once, on its own connection, at its own frame count: five connections in all.
      const directives =
        '[fault:done_after=10] [fault:unavailable_after=20] [fault:reset_after=30] [fault:drop_after=40]';
      const played = await player.playScenario(scenario, directives);
      expect(played.summaries).toEqual(await player.expected(played, scenario, directives));
      expect(await player.connections(played, 'run#1')).toBe(5);
    });

    it.each(SHORT)('no_result (done without result) on %s: settled from GET run', async (scenario) => {
      const directives = '[fault:no_result=1]';
      const played = await player.playScenario(scenario, directives);
      expect(played.summaries).toEqual(await player.expected(played, scenario, directives));
      const settled = (await player.driver.rawRecords(played.sessionId)).pop();
      expect(settled).toMatchObject({ kind: 'run.settled', source: 'get_run' });
    });

    it('slow frames change nothing', async () => {
      const directives = '[fault:slow=60,after=2,count=3]';
      const played = await player.playScenario('default', directives);
      expect(played.summaries).toEqual(await player.expected(played, 'default', directives));
      expect(await player.connections(played, 'run#1')).toBe(1);
    });
  });

  describe('request faults: retried, the same events', () => {
    afterEach(async () => {
      await player.emulator.clearGlobalFaults();
    });

    it.each(SHORT)('5xx bursts on the stream of %s: backoff, then the whole run', async (scenario) => {
      const directives = '[fault:http_5xx=3]';
      const played = await player.playScenario(scenario, directives);
      expect(played.summaries).toEqual(await player.expected(played, scenario, directives));
      // The 503s are answered before a stream opens.
      expect(await player.connections(played, 'run#1')).toBe(1);
    });

    it('5xx bursts on creating the agent: backoff, then the whole run', async () => {
      await player.emulator.addGlobalFaults('http_5xx=2,status=500');
      const played = await player.playScenario('pr');
      expect(played.summaries).toEqual(await player.expected(played, 'pr'));
      expect((await player.emulator.stats()).totals.faultsFired.http_5xx).toBeGreaterThanOrEqual(2);
    });

    it('429 on the stream waits Retry-After, then the whole run', async () => {
      const directives = '[fault:rate_limit=1,retry_after=1]';
      const started = Date.now();
      const played = await player.playScenario('default', directives);
      expect(played.summaries).toEqual(await player.expected(played, 'default', directives));
      // A lower bound only: the runner must not come back before Cursor said it may.
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('429 on creating the agent waits Retry-After, then the whole run', async () => {
      await player.emulator.addGlobalFaults('rate_limit=1,retry_after=1');
      const started = Date.now();
      const played = await player.playScenario('tool_error');
      expect(played.summaries).toEqual(await player.expected(played, 'tool_error'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });
  });

  describe('when Cursor cannot be used: one session.error a person can act on, then idle', () => {
    afterEach(async () => {
      await player.emulator.clearGlobalFaults();
      await player.driver.putCredentials(CURSOR_KEY, player.platform.emulatorUrl);
    });

    const failedTurn = (prompt: string, errorType: string, message: RegExp, agentCreated = false) => [
      { type: 'user.message', text: prompt },
      ...(agentCreated
        ? [{ type: 'session.updated', outputs: { cursor_agent_id: 'agent', cursor_run_id: 'run#1' } }]
        : []),
      {
        type: 'session.error',
        error_type: errorType,
        message: expect.stringMatching(message),
        retry_status: 'terminal',
      },
      { type: 'session.status_idle', stop_reason: 'end_turn' },
    ];

    it('5xx forever on creating the agent: model_request_failed_error', async () => {
      await player.emulator.addGlobalFaults('http_5xx=1000');
      const prompt = player.prompt('default');
      const played = await player.play(prompt);
      expect(played.summaries).toEqual(
        failedTurn(
          prompt,
          'model_request_failed_error',
          /^Cursor failed the request \(503 internal_error.*Try again later\.$/,
        ),
      );
    });

    it('5xx forever on the run stream: the agent exists, model_request_failed_error', async () => {
      const prompt = player.prompt('default', '[fault:http_5xx=1000]');
      const played = await player.play(prompt);
      expect(played.summaries).toEqual(
        failedTurn(
          prompt,
          'model_request_failed_error',
          /^Cursor failed the request \(503 internal_error/,
          true,
        ),
      );
    });

    it('429 past the retries: model_rate_limited_error', async () => {
      await player.emulator.addGlobalFaults('rate_limit=1000,retry_after=0');
      const prompt = player.prompt('default');
      const played = await player.play(prompt);
      expect(played.summaries).toEqual(
        failedTurn(prompt, 'model_rate_limited_error', /^Cursor kept rate-limiting/),
      );
    });

    it('an unreachable api_base: credential_host_unreachable_error naming the host', async () => {
      const closed = await createEmulatorApp({ port: 0 });
      const unreachable = closed.url;
      await closed.close();
      await player.driver.putCredentials(CURSOR_KEY, unreachable);
      const prompt = player.prompt('default');
      const played = await player.play(prompt);
      const escaped = unreachable.replace(/[.:/]/g, (c) => `\\${c}`);
      expect(played.summaries).toEqual(
        failedTurn(
          prompt,
          'credential_host_unreachable_error',
          new RegExp(`^Could not reach Cursor at ${escaped}.*api_base`),
        ),
      );
    });

    it('401, a rejected key: "Cursor rejected the API key …" with the way to store a new one', async () => {
      const rejectedKey = 'rejected-key-0000-abcd';
      await player.driver.putCredentials(rejectedKey, player.platform.emulatorUrl);
      const prompt = player.prompt('default');
      const played = await player.play(prompt);
      expect(played.summaries).toEqual(
        failedTurn(
          prompt,
          'authentication_error',
          /^Cursor rejected the API key .*PUT \/api\/agent-runtimes\/cursor\/credentials/,
        ),
      );
      expect(JSON.stringify(played.events)).not.toContain(rejectedKey);
    });

    it('403 plan_required: billing_error saying the plan lacks Cloud Agents', async () => {
      await player.driver.putCredentials('plan-required-key-1234', player.platform.emulatorUrl);
      const prompt = player.prompt('default');
      const played = await player.play(prompt);
      expect(played.summaries).toEqual(
        failedTurn(prompt, 'billing_error', /plan does not include Cloud Agents/),
      );
    });
  });

  describe('410 stream_expired: the run is settled from GET run', () => {
    let expiring: Awaited<ReturnType<typeof createEmulatorApp>>;
    beforeAll(async () => {
      // Streams expire a millisecond after their run ends; the 429 keeps the runner away until then.
      expiring = await createEmulatorApp({ port: 0, frameIntervalMs: 2, streamRetentionMs: 1 });
      await player.driver.putCredentials(CURSOR_KEY, expiring.url);
    });
    afterAll(async () => {
      await player.driver.putCredentials(CURSOR_KEY, player.platform.emulatorUrl);
      await expiring?.close();
    });

    const late = '[fault:rate_limit=1,retry_after=1]';

    it.each(['default', 'pr', 'error'] as const)(
      '%s: the run\u2019s outcome from GET run, its text kept',
      async (scenario) => {
        const played = await player.playScenario(scenario, late, true);
        const run = await player.cursorRun(played, 'run#1', new EmulatorControl(expiring.url));
        const prompt = player.prompt(scenario, late);
        const opening: EventSummary[] = [
          { type: 'user.message', text: prompt },
          { type: 'session.updated', outputs: { cursor_agent_id: 'agent', cursor_run_id: 'run#1' } },
        ];
        const idle: EventSummary = { type: 'session.status_idle', stop_reason: 'end_turn' };
        if (scenario === 'error') {
          expect(played.summaries).toEqual([
            ...opening,
            {
              type: 'session.error',
              error_type: 'model_request_failed_error',
              message: run.result!,
              retry_status: 'terminal',
            },
            idle,
          ]);
        } else {
          expect(played.summaries).toEqual([
            ...opening,
            { type: 'agent.message', text: run.result! },
            ...(scenario === 'pr'
              ? [
                  {
                    type: 'session.updated' as const,
                    outputs: { cursor_run_id: 'run#1', branches: asOutputBranches(run.git ?? {}) },
                  },
                ]
              : []),
            idle,
          ]);
        }
        const records: RawRecord[] = await player.driver.rawRecords(played.sessionId);
        expect(records.flatMap(cursorFramesOf)).toEqual([]);
        expect(records.pop()).toMatchObject({ kind: 'run.settled', source: 'get_run', status: run.status });
      },
    );
  });
});

describe('a stalled Cursor stream (no bytes for longer than CURSOR_STREAM_IDLE_MS)', () => {
  let player: ScenarioPlayer;
  beforeAll(async () => {
    // Heartbeats well inside the idle limit, so only the injected stall looks like a dead connection.
    player = await startPlayer({
      emulator: { heartbeatIntervalMs: 100 },
      runnerEnv: { CURSOR_STREAM_IDLE_MS: 400 },
    });
  });
  afterAll(async () => {
    await player?.platform.stop();
  });

  it.each(SHORT)('stall_after on %s: resumed after the idle limit, the same events', async (scenario) => {
    // Without stall detection the connection would stay silent for a minute and the test would time out.
    const directives = '[fault:stall_after=3,ms=60000]';
    const played = await player.playScenario(scenario, directives);
    expect(played.summaries).toEqual(await player.expected(played, scenario, directives));
    // At least the one resume; a busy machine may add another (harmless: the events are checked above).
    expect(await player.connections(played, 'run#1')).toBeGreaterThanOrEqual(2);
  });
});
