import type { BenchContext } from './bench-context';
import { consumerBacklogs, type ConsumerBacklog } from './consumer-backlog';
import { countersSince, normalizerCounters } from './normalizer-counters';
import { benchPrompt } from './gateway-api';
import { waitForProjection, type ProjectionCatchUp } from './projection-lag';
import { percentileOfSorted } from './statistics';
import { openWatchedSessions, promptSessions, waitUntilIdle } from './watched-sessions';

export interface ThroughputSettings {
  sessions: number;
  framesPerSession: number;
  frameBytes: number;
  /** Bound on the whole run (the platform may be far slower than hoped). */
  timeoutMs: number;
  /** Bound on waiting for the PostgreSQL projection to catch up afterwards. */
  projectionTimeoutMs: number;
}

export interface Throughput {
  parameters: ThroughputSettings;
  /** Normalized events/s reaching the SSE clients between the 10th and 90th percentile of arrivals. */
  eventsPerSecond: number;
  eventsReceived: number;
  sessionsCompleted: number;
  /** CPU of each process over that same window, in % of one core (200% = both cores). */
  cpuPercent: Record<string, number>;
  /** The durable consumers when the SSE clients saw the end: redeliveries reveal nak storms. */
  consumersAtEnd: Record<string, ConsumerBacklog>;
  /** What the normalizer replicas counted during the run (folded, ahead, fenced, conflicts, …). */
  normalizer: Record<string, number>;
  /** The PostgreSQL projection catching up after the run (off the SSE path, same gateway CPU). */
  projection: ProjectionCatchUp;
}

/** (2) Saturation: many sessions streaming as fast as the emulator can write (`[pace:0]`). */
export async function measureThroughput(
  ctx: BenchContext,
  settings: ThroughputSettings,
): Promise<Throughput> {
  ctx.log(
    `throughput: ${settings.sessions} sessions × ${settings.framesPerSession} frames of ${settings.frameBytes} B, no pause`,
  );
  const arrivals: number[] = [];
  const sessions = await openWatchedSessions(ctx, settings.sessions, 1, {
    onEvent: (_s, _w, event) => arrivals.push(event.receivedAtMs),
  });
  const countersBefore = await normalizerCounters(ctx);
  const startedAt = Date.now();
  await promptSessions(
    ctx,
    sessions,
    benchPrompt({ frames: settings.framesPerSession, frameBytes: settings.frameBytes, paceMs: 0 }),
  );
  const completed = await waitUntilIdle(sessions, settings.timeoutMs);
  const endedAt = Date.now();
  const consumersAtEnd = await consumerBacklogs(ctx);
  const normalizer = countersSince(countersBefore, await normalizerCounters(ctx));

  arrivals.sort((a, b) => a - b);
  const from = percentileOfSorted(arrivals, 10) ?? startedAt;
  const to = percentileOfSorted(arrivals, 90) ?? endedAt;
  const inWindow = arrivals.filter((t) => t >= from && t <= to).length;
  return {
    parameters: settings,
    eventsPerSecond: to > from ? inWindow / ((to - from) / 1000) : 0,
    eventsReceived: arrivals.length,
    sessionsCompleted: completed,
    cpuPercent: ctx.usage.cpuPercentBetween(from, to),
    consumersAtEnd,
    normalizer,
    projection: await waitForProjection(ctx, settings.projectionTimeoutMs),
  };
}
