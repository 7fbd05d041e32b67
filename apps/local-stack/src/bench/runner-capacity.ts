import type { BenchContext } from './bench-context';
import { mapWithLimit, pollUntil, sleep } from './bounded';
import { emulatorStats } from './gateway-api';

export interface RunnerCapacitySettings {
  /** Live-session counts to ramp through; the ramp stops at the first one not reached. */
  steps: number[];
  /** Per step: base bound plus this much per session to reach it. */
  stepTimeoutBaseMs: number;
  stepTimeoutPerSessionMs: number;
}

export interface RunnerCapacityStep {
  target: number;
  /** Emulator run streams open (each is one live session held by the runner). */
  live: number;
  reachedInSeconds: number | null;
  runnerRssBytes: number | null;
  bytesPerSession: number | null;
}

export interface RunnerCapacity {
  parameters: RunnerCapacitySettings;
  runnerRssBaselineBytes: number | null;
  steps: RunnerCapacityStep[];
  maxLive: number;
  firstError?: string;
}

/**
 * (3a) Live sessions one runner holds: sessions whose Cursor run never ends (`[scenario:hang]`, a
 * heartbeat every 10 s), ramped up step by step; resident memory per session at each step.
 */
export async function measureRunnerCapacity(
  ctx: BenchContext,
  settings: RunnerCapacitySettings,
): Promise<RunnerCapacity> {
  const openAtStart = (await emulatorStats(ctx.stack.emulatorUrl)).totals.streamConnectionsOpen;
  await sleep(1_000);
  const baseline = ctx.usage.rssBytesNow('session-runner');
  const steps: RunnerCapacityStep[] = [];
  let created = 0;
  let maxLive = 0;
  let firstError: string | undefined;
  for (const target of settings.steps) {
    ctx.log(`runner capacity: ramping to ${target} live sessions`);
    const stepStart = Date.now();
    await mapWithLimit(Array.from({ length: Math.max(0, target - created) }), 32, async () => {
      try {
        await ctx.api.createSession(ctx.agentId, 'Hold the line [scenario:hang]');
      } catch (error) {
        firstError ??= (error as Error).message;
      }
    });
    created = Math.max(created, target);
    const liveNow = async () =>
      (await emulatorStats(ctx.stack.emulatorUrl)).totals.streamConnectionsOpen - openAtStart;
    let reachedInSeconds: number | null = null;
    await pollUntil(`${target} live sessions`, async () => (await liveNow()) >= target, {
      timeoutMs: settings.stepTimeoutBaseMs + target * settings.stepTimeoutPerSessionMs,
      intervalMs: 500,
    })
      .then(() => (reachedInSeconds = (Date.now() - stepStart) / 1000))
      .catch(() => undefined);
    await sleep(2_000);
    const live = await liveNow();
    const rss = ctx.usage.rssBytesNow('session-runner');
    maxLive = Math.max(maxLive, live);
    steps.push({
      target,
      live,
      reachedInSeconds,
      runnerRssBytes: rss,
      bytesPerSession: rss !== null && baseline !== null && live > 0 ? (rss - baseline) / live : null,
    });
    if (reachedInSeconds === null) break;
  }
  return {
    parameters: settings,
    runnerRssBaselineBytes: baseline,
    steps,
    maxLive,
    ...(firstError ? { firstError } : {}),
  };
}
