import type { BenchContext } from './bench-context';
import { consumerBacklogs, type ConsumerBacklog } from './consumer-backlog';
import { countersSince, normalizerCounters, projectionCounters } from './service-counters';
import { benchPrompt } from './gateway-api';
import { waitForProjection, type ProjectionCatchUp } from './projection-lag';
import { arrivalsPerSecond, saturationWindows, type TimeWindow } from './saturation-window';
import { openWatchedSessions, promptSessions, waitUntilIdle } from './watched-sessions';
import { WorkMeter, type WorkPerEvent } from './work-per-event';

export interface ThroughputSettings {
  sessions: number;
  framesPerSession: number;
  frameBytes: number;
  /** Bound on the whole run (the platform may be far slower than hoped). */
  timeoutMs: number;
  /** Bound on waiting for the PostgreSQL projection to catch up afterwards. */
  projectionTimeoutMs: number;
}

/** A stretch of the run with the rate and the CPU measured over it. */
export interface PricedWindow extends TimeWindow {
  eventsPerSecond: number;
  cpuPercent: Record<string, number>;
}

export interface Throughput {
  parameters: ThroughputSettings;
  /** Normalized events/s reaching the SSE clients between the 10th and 90th percentile of arrivals. */
  eventsPerSecond: number;
  eventsReceived: number;
  sessionsCompleted: number;
  /**
   * The same, over the part of that window before the runner stored its last raw record (every stage at
   * work); null when it was done before the window began. See saturationWindows.
   */
  upstreamAtWork: PricedWindow | null;
  /** CPU of each process over that same window, in % of one core (200% = both cores). */
  cpuPercent: Record<string, number>;
  /** The durable consumers when the SSE clients saw the end: redeliveries reveal nak storms. */
  consumersAtEnd: Record<string, ConsumerBacklog>;
  /** What the normalizer replicas counted during the run (folded, ahead, fenced, conflicts, …). */
  normalizer: Record<string, number>;
  /** The gateway projection's counters over the run: events projected, read back, left out. */
  projectionWork: Record<string, number>;
  /** The PostgreSQL projection catching up after the run (off the SSE path, same gateway CPU). */
  projection: ProjectionCatchUp;
  /** The work per event received, from the prompts until the projection caught up. */
  perEvent: WorkPerEvent;
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
  const projectionBefore = await projectionCounters(ctx);
  const work = await WorkMeter.start(ctx);
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
  const windows = saturationWindows(arrivals, await lastRawRecordAt(ctx), { from: startedAt, to: endedAt });
  const price = ({ from, to }: TimeWindow): PricedWindow => ({
    from,
    to,
    eventsPerSecond: arrivalsPerSecond(arrivals, { from, to }),
    cpuPercent: ctx.usage.cpuPercentBetween(from, to),
  });
  const whole = price(windows.whole);
  const projection = await waitForProjection(ctx, settings.projectionTimeoutMs);
  const projectionWork = countersSince(projectionBefore, await projectionCounters(ctx));
  return {
    parameters: settings,
    eventsPerSecond: whole.eventsPerSecond,
    eventsReceived: arrivals.length,
    sessionsCompleted: completed,
    cpuPercent: whole.cpuPercent,
    upstreamAtWork: windows.upstreamAtWork && price(windows.upstreamAtWork),
    consumersAtEnd,
    normalizer,
    projectionWork,
    projection,
    perEvent: await work.perEvent(arrivals.length),
  };
}

/** When the runner stored its last raw record (the stream's newest message), if it holds any. */
async function lastRawRecordAt(ctx: BenchContext): Promise<number | undefined> {
  const { state } = await ctx.nats.jsm.streams.info(ctx.names.streams.raw);
  return state.messages > 0 ? Date.parse(state.last_ts) : undefined;
}
