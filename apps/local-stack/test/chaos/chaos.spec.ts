import { ChaosPlatform } from './support/chaos-platform';
import { chaosProfile } from './support/chaos-profile';
import { chaosReport } from './support/chaos-report';
import { chaosProblems } from './support/chaos-problems';
import { ChaosRun } from './support/chaos-run';
import { chaosSeed } from './support/seeded-random';

/**
 * Issue 5's proof: real processes (runners, normalizers, gateways, credentials, the Cursor emulator) on
 * a private nats-server and a database of their own, many sessions, and faults at random moments:
 * kill -9 / SIGTERM / SIGSTOP, Cursor connections dropped, NATS restarted, PostgreSQL cut off. Then every
 * session's events must be exactly those of an undisturbed run: none lost, none repeated, none moved.
 *
 * `npm test` runs the quick profile with a fixed seed; `npm run test:chaos` the full one with a fresh
 * seed (CHAOS_SEED=<n> replays one; CHAOS_PROFILE=quick|full picks the size).
 */
const profile = chaosProfile();
const seed = chaosSeed(profile.name === 'quick' ? 20261128 : undefined);

describe(`chaos (${profile.name} profile, seed ${seed})`, () => {
  let platform: ChaosPlatform | undefined;
  let problems: ReturnType<typeof chaosProblems> | undefined;

  beforeAll(
    async () => {
      process.stdout.write(`chaos: profile ${profile.name}, seed ${seed}\n`);
      platform = await ChaosPlatform.start({
        label: `chaos_${profile.name}`,
        runners: profile.runners,
        normalizers: profile.normalizers,
        gateways: profile.gateways,
        runnerAckWaitMs: profile.runnerAckWaitMs,
        normalizerAckWaitMs: profile.normalizerAckWaitMs,
      });
      const say = (line: string) => process.stdout.write(`chaos: ${line}\n`);
      const outcome = await new ChaosRun(platform, profile, seed, say).run();
      process.stdout.write(`${chaosReport(outcome)}\n`);
      problems = chaosProblems(outcome);
    },
    profile.windowMs + profile.settleTimeoutMs + 180_000,
  );

  afterAll(async () => {
    const clean = !!problems && Object.values(problems).every((list) => list.length === 0);
    await platform?.destroy({ keepLogs: !clean || process.env.CHAOS_KEEP_LOGS === '1' });
  }, 60_000);

  it('finishes every session and leaves no work behind', () => {
    expect(problems?.completion).toEqual([]);
  });

  it('injected every kind of fault it was asked for', () => {
    expect(problems?.faults).toEqual([]);
  });

  it('normalizes every session exactly as its undisturbed run: nothing lost, repeated or out of order', () => {
    expect(problems?.events).toEqual([]);
  });

  it('records each Cursor frame once, in one unbroken chain per session', () => {
    expect(problems?.raw).toEqual([]);
  });

  it('streams every event once and in order to SSE clients that resumed through the faults', () => {
    expect(problems?.sse).toEqual([]);
  });

  it('lists every event once and in order in the REST event list (the projection) through gateway kills', () => {
    expect(problems?.projection).toEqual([]);
  });

  it('hands every session of a lost runner to another one, within a bounded time', () => {
    expect(problems?.failover).toEqual([]);
  });

  it('answers 503 with a clear message while PostgreSQL is away', () => {
    expect(problems?.outage).toEqual([]);
  });
});
