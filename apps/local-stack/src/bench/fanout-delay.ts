import { Header } from '@lap/contracts';
import type { BenchContext } from './bench-context';
import { benchPrompt } from './gateway-api';
import { readStoredMessages } from './stored-messages';
import { distributionOf, summarizeRuns, type Distribution, type RepeatedRuns } from './statistics';
import { openWatchedSessions, promptSessions, waitUntilIdle } from './watched-sessions';

export interface FanoutSettings {
  clientCounts: number[];
  framesPerRun: number;
  paceMs: number;
  frameBytes: number;
  /** Runs per client count: the median run is reported, as for the latency. */
  repeats: number;
}

export interface FanoutRun {
  clientsCompleted: number;
  /** Event delivered by NATS to a plain subscriber in the bench → the same event at each SSE client. */
  delayMs: Distribution;
  gatewayCpuPercent: number | null;
  /** The bench process reads every client's socket too: its CPU competes with the gateway's. */
  benchCpuPercent: number;
}

/** One client count's runs. */
export interface FanoutPoint extends RepeatedRuns<FanoutRun> {
  clients: number;
  /** Why runs that did not complete failed (they are left out of the median). */
  failures: string[];
}

/**
 * (3c) Fan-out: C clients on one session. The reference is a core NATS subscription on the session's
 * events subject in this process (it gets each event as JetStream stores it); the delay is each SSE
 * client's arrival minus that, both on this process's monotonic clock.
 */
export async function measureFanout(ctx: BenchContext, settings: FanoutSettings): Promise<FanoutPoint[]> {
  const points: FanoutPoint[] = [];
  for (const clients of settings.clientCounts) {
    const runs: FanoutRun[] = [];
    const failures: string[] = [];
    for (let repeat = 1; repeat <= settings.repeats; repeat++) {
      ctx.log(
        `fan-out: ${clients} clients on one session, ${settings.framesPerRun} frames every ${settings.paceMs} ms (${repeat}/${settings.repeats})`,
      );
      // A failed run is left out of the median and told in the results.
      await measureFanoutRun(ctx, clients, settings).then(
        (run) => runs.push(run),
        (error: Error) => {
          failures.push(error.message);
          ctx.log(`fan-out: run ${repeat} with ${clients} clients failed: ${error.message}`);
        },
      );
    }
    const summary = summarizeRuns(`fan-out (${clients} clients)`, runs, (run) => run.delayMs);
    points.push({ clients, ...summary, failures });
  }
  return points;
}

/** One session, `clients` SSE clients on it, one run of frames. */
async function measureFanoutRun(
  ctx: BenchContext,
  clients: number,
  settings: FanoutSettings,
): Promise<FanoutRun> {
  const [session] = await openWatchedSessions(ctx, 1, clients, {
    keepArrivals: 'every watcher',
    openConcurrency: 100,
  });
  const natsArrival = new Map<string, number>();
  const subscription = ctx.nats.connection.subscribe(ctx.names.events(session.sessionId), {
    callback: (_error, message) => {
      const id = message.headers?.get(Header.EventId);
      if (id) natsArrival.set(id, performance.now());
    },
  });
  let startedAt: number, endedAt: number, completed: number;
  let benchCpu: NodeJS.CpuUsage;
  try {
    await ctx.nats.connection.flush();
    startedAt = Date.now();
    const cpuBefore = process.cpuUsage();
    await promptSessions(
      ctx,
      [session],
      benchPrompt({
        frames: settings.framesPerRun,
        frameBytes: settings.frameBytes,
        paceMs: settings.paceMs,
      }),
    );
    completed = await waitUntilIdle([session], settings.framesPerRun * settings.paceMs * 4 + 60_000);
    endedAt = Date.now();
    benchCpu = process.cpuUsage(cpuBefore);
  } finally {
    // Nothing of a run outlives it: left open, its clients would weigh on the next measurements.
    subscription.unsubscribe();
    for (const watcher of session.watchers) watcher.close();
  }

  // SSE ids are stream sequences: the stored messages tell which is which event id.
  const referenceBySeq = new Map<number, number>();
  const stored = await readStoredMessages(
    ctx.nats.js,
    ctx.names.streams.events,
    ctx.names.events(session.sessionId),
  );
  for (const message of stored) {
    const at = natsArrival.get(message.headers[Header.EventId]);
    if (at !== undefined) referenceBySeq.set(message.seq, at);
  }
  const delays: number[] = [];
  for (const { arrivals } of session.watchers) {
    for (let i = 0; i < arrivals.length; i++) {
      const reference = referenceBySeq.get(arrivals.seqs[i]);
      if (reference !== undefined) delays.push(arrivals.monoMs[i] - reference);
    }
  }
  return {
    clientsCompleted: completed,
    delayMs: distributionOf(delays),
    gatewayCpuPercent: ctx.usage.cpuPercentBetween(startedAt, endedAt).gateway ?? null,
    benchCpuPercent: ((benchCpu.user + benchCpu.system) / 1000 / (endedAt - startedAt)) * 100,
  };
}
