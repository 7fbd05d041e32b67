import type { BenchContext } from './bench-context';
import { consumerBacklogs, type ConsumerBacklog } from './consumer-backlog';
import { countersSince, normalizerCounters, projectionCounters } from './service-counters';
import { frameLatencies, type EventLatency } from './frame-latency';
import { benchPrompt } from './gateway-api';
import { distributionOf, type Distribution } from './statistics';
import { openWatchedSessions, promptSessions, waitUntilIdle } from './watched-sessions';
import { WorkMeter, type WorkPerEvent } from './work-per-event';

export interface AddedLatencySettings {
  sessions: number;
  /** Target frames (≈ events) per second over all sessions. */
  ratePerSecond: number;
  durationMs: number;
  frameBytes: number;
  /** Fraction of each session's first events left out (JIT warm-up, agent creation). */
  warmupFraction: number;
}

export interface AddedLatency {
  parameters: AddedLatencySettings & { paceMs: number; framesPerSession: number };
  /** Events per second the SSE clients actually received over the run. */
  deliveredPerSecond: number;
  eventsReceived: number;
  sessionsCompleted: number;
  endToEndMs: Distribution;
  /** Where the time goes: frame written → raw stored → event stored → SSE received. */
  stagesMs: { runner: Distribution; normalizer: Distribution; gateway: Distribution };
  cpuPercent: Record<string, number>;
  /** Redeliveries show nak storms (several normalizer replicas). */
  consumersAtEnd: Record<string, ConsumerBacklog>;
  /** What the normalizer replicas counted during the run (folded, ahead, fenced, conflicts, …). */
  normalizer: Record<string, number>;
  /** The gateway projection's counters over the run: events projected, read back, left out. */
  projectionWork: Record<string, number>;
  /** The work per event received, from the prompts until every session was idle. */
  perEvent: WorkPerEvent;
}

/** (1) Emulator frame written → normalized event at an SSE client, at a steady rate below saturation. */
export async function measureAddedLatency(
  ctx: BenchContext,
  settings: AddedLatencySettings,
): Promise<AddedLatency> {
  const paceMs = Math.max(1, Math.round((settings.sessions * 1000) / settings.ratePerSecond));
  const framesPerSession = Math.max(2, Math.round(settings.durationMs / paceMs));
  ctx.log(
    `added latency: ${settings.sessions} sessions × ${framesPerSession} frames of ${settings.frameBytes} B every ${paceMs} ms`,
  );
  const sessions = await openWatchedSessions(ctx, settings.sessions, 1, { keepArrivals: 'first watcher' });
  const countersBefore = await normalizerCounters(ctx);
  const projectionBefore = await projectionCounters(ctx);
  const work = await WorkMeter.start(ctx);
  const startedAt = Date.now();
  await promptSessions(
    ctx,
    sessions,
    benchPrompt({ frames: framesPerSession, frameBytes: settings.frameBytes, paceMs }),
  );
  const completed = await waitUntilIdle(sessions, settings.durationMs * 4 + 30_000);
  const endedAt = Date.now();
  const received = sessions.reduce((sum, session) => sum + session.watchers[0].arrivals.length, 0);
  const perEvent = await work.perEvent(received);
  const consumersAtEnd = await consumerBacklogs(ctx);
  const normalizer = countersSince(countersBefore, await normalizerCounters(ctx));
  const projectionWork = countersSince(projectionBefore, await projectionCounters(ctx));

  const samples: EventLatency[] = [];
  let firstAt = Infinity;
  let lastAt = 0;
  for (const session of sessions) {
    const arrivals = session.watchers[0].arrivals;
    for (const receivedAtMs of arrivals.wallMs) {
      firstAt = Math.min(firstAt, receivedAtMs);
      lastAt = Math.max(lastAt, receivedAtMs);
    }
    const latencies = await frameLatencies(ctx.nats.js, ctx.names, session.sessionId, arrivals);
    const warmup = Math.floor(arrivals.length * settings.warmupFraction);
    samples.push(...latencies.filter((latency) => latency.index >= warmup));
  }
  return {
    parameters: { ...settings, paceMs, framesPerSession },
    deliveredPerSecond: lastAt > firstAt ? received / ((lastAt - firstAt) / 1000) : 0,
    eventsReceived: received,
    sessionsCompleted: completed,
    endToEndMs: distributionOf(samples.map((s) => s.endToEndMs)),
    stagesMs: {
      runner: distributionOf(samples.map((s) => s.runnerMs)),
      normalizer: distributionOf(samples.map((s) => s.normalizerMs)),
      gateway: distributionOf(samples.map((s) => s.gatewayMs)),
    },
    cpuPercent: ctx.usage.cpuPercentBetween(startedAt, endedAt),
    consumersAtEnd,
    normalizer,
    projectionWork,
    perEvent,
  };
}
