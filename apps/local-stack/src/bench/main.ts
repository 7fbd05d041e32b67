import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { natsNames } from '@lap/contracts';
import { NatsClient } from '@lap/messaging';
import { NatsServerProcess } from '../infrastructure/nats-server-process';
import { measureAddedLatency, type AddedLatency } from './added-latency';
import type { BenchContext } from './bench-context';
import { backendPids, createBenchDatabase } from './bench-database';
import { BenchUsageError, parseBenchOptions, type BenchOptions, type MeasurementName } from './bench-options';
import type { BenchResults } from './bench-results';
import { startBenchStack } from './bench-stack';
import { CleanupStack } from './cleanup-stack';
import { formatAllocationSummary, summarizeAllocationProfileDir } from './allocation-profile-summary';
import { formatProfileSummary, summarizeProfileDir } from './cpu-profile-summary';
import { measureFanout } from './fanout-delay';
import { GatewayApi } from './gateway-api';
import { measureEventHops } from './event-hops';
import { eventsCarried } from './event-hops-stage';
import { measureNatsLimits } from './nats-limits';
import { readNatsServerGoMaxProcs } from './nats-traffic';
import { deletePrefixedStreams } from './prefixed-streams';
import { waitForProjection } from './projection-lag';
import { ratioCeilingOf } from './ratio-ceiling';
import { renderResultsTable } from './results-table';
import { measureRunnerCapacity } from './runner-capacity';
import { REPO_ROOT } from './service-process';
import { measureSseCapacity } from './sse-client-capacity';
import { summarizeRuns } from './statistics';
import { measureStartup } from './startup-time';
import { measureThroughput } from './throughput';
import { measureUpstreamConnections } from './upstream-connections';
import { UsageSampler } from './usage-sampler';
import { WorkMeter } from './work-per-event';

const log = (line: string) => process.stderr.write(`bench | ${line}\n`);

function machineInfo(): BenchResults['machine'] {
  const version = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    natsServer: (version.stdout || version.stderr || 'unknown').trim(),
    loadAverageBefore: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** `, nats-server on N thread(s)` for the bench's own server; nothing for a shared one. */
function serverThreads(machine: BenchResults['machine']): string {
  const threads = machine.natsServerGoMaxProcs;
  return threads === undefined
    ? ''
    : `, nats-server on ${threads} thread${threads === 1 ? '' : 's'} (GOMAXPROCS)`;
}

/**
 * Events per raw record in the event-hops figure when this run has no throughput figure to take it
 * from: what the pipeline's records held at saturation (48,128 events from 11,958 records at 02:02 on
 * 2026-11-30, `--only=nats,throughput`).
 */
const EVENTS_PER_RECORD_AT_SATURATION = 4;

/**
 * A raw record's bytes per frame besides the frame's text: the frame's id, event and JSON around it, and
 * the record's own fields shared out (the runner's record of 4 bench frames of 256 characters is 1,407 B).
 */
const FRAME_ENVELOPE_BYTES = 100;

/** Runs one measurement (or part of one); a failure is recorded and the bench goes on with the next. */
async function attempt<T>(
  results: BenchResults,
  name: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const started = Date.now();
  try {
    const value = await work();
    log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return value;
  } catch (error) {
    results.errors[name] = (error as Error).message;
    log(`${name}: FAILED: ${(error as Error).stack ?? error}`);
    return undefined;
  }
}

async function runPlatformMeasurements(
  options: BenchOptions,
  results: BenchResults,
  cleanup: CleanupStack,
  runDir: string,
): Promise<void> {
  const wants = (name: MeasurementName) => options.only.includes(name);
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  let natsUrl = options.natsUrl;
  let natsPid: number | undefined;
  let natsMonitoringUrl: string | undefined;
  if (natsUrl) {
    const url = natsUrl;
    cleanup.push(`streams of ${prefix}`, async () => void (await deletePrefixedStreams(url, prefix)));
  } else {
    // A server of the bench's own: its CPU is the bench's alone, and nothing is left on a shared one.
    const nats = new NatsServerProcess({
      name: 'bench-nats',
      readyTimeoutMs: 10_000,
      stopTimeoutMs: 10_000,
      monitoring: true,
    });
    cleanup.push('private nats-server', () => nats.destroy());
    await nats.start();
    natsUrl = nats.url;
    natsPid = nats.pid;
    natsMonitoringUrl = nats.monitoringUrl;
    results.machine.natsServerGoMaxProcs = await readNatsServerGoMaxProcs(nats.monitoringUrl);
  }
  const database = await createBenchDatabase(options.postgresUrl);
  cleanup.push(`database ${database.name}`, database.drop);
  const logDir = path.join(runDir, 'logs');
  const profile = options.profile ? { kind: options.profile, dir: path.join(runDir, 'profiles') } : undefined;
  log(
    `starting the platform (NATS ${natsUrl}, prefix ${prefix}, database ${database.name}; logs in ${logDir})`,
  );
  const stack = await startBenchStack({
    natsUrl,
    prefix,
    databaseUrl: database.url,
    logDir,
    runnerMaxSessions: Math.max(500, ...options.runnerSessions) + 100,
    normalizers: Math.max(1, options.normalizers),
    profile,
  });
  const stopStack = cleanup.push('platform services', stack.stop);
  const benchNats = await NatsClient.connect({ url: natsUrl, name: 'bench' });
  const closeBenchNats = cleanup.push('bench NATS connection', () => benchNats.close());

  let postgresPids: number[] = [];
  const refreshPostgresPids = async () => {
    postgresPids = await backendPids(options.postgresUrl, database.name).catch(() => postgresPids);
  };
  await refreshPostgresPids();
  const pidRefresh = setInterval(() => void refreshPostgresPids(), 2_000);
  cleanup.push('postgres pid refresh', async () => clearInterval(pidRefresh));
  const usage = new UsageSampler([
    ...stack.services.map((service) => ({ name: service.name, pids: () => [service.pid] })),
    ...(natsPid ? [{ name: 'nats-server', pids: () => [natsPid] }] : []),
    { name: 'postgres', pids: () => postgresPids },
    { name: 'bench', pids: () => [process.pid] },
  ]);
  usage.start();
  cleanup.push('usage sampler', async () => usage.stop());

  const api = new GatewayApi(stack.gatewayUrl, stack.masterKey);
  await api.connectCursor(stack.emulatorUrl);
  const ctx: BenchContext = {
    stack,
    api,
    agentId: await api.createAgent(),
    nats: benchNats,
    names: natsNames(prefix),
    usage,
    natsMonitoringUrl,
    databaseUrl: database.url,
    log,
  };
  const eventBytes = options.frameBytes + 200;
  if (wants('nats')) {
    const parameters = {
      ratePerSecond: options.latencyRate,
      durationMs: Math.min(options.latencySeconds, 10) * 1000,
      payloadBytes: eventBytes,
      rateWindowMs: options.mode === 'quick' ? 2_000 : 5_000,
      pipelineWindow: 256,
    };
    const limits = await attempt(results, 'nats', () =>
      measureNatsLimits({ natsUrl: natsUrl!, prefix, ...parameters }, () => WorkMeter.start(ctx)),
    );
    if (limits) results.nats = { ...limits, parameters };
  }
  if (wants('latency')) {
    const runs: AddedLatency[] = [];
    for (let repeat = 1; repeat <= options.latencyRepeats; repeat++) {
      const run = await attempt(results, 'latency', () =>
        measureAddedLatency(ctx, {
          sessions: options.latencySessions,
          ratePerSecond: options.latencyRate,
          durationMs: options.latencySeconds * 1000,
          frameBytes: options.frameBytes,
          warmupFraction: 0.1,
        }),
      );
      if (run) runs.push(run);
    }
    if (runs.length > 0) results.latency = summarizeRuns('latency', runs, (run) => run.endToEndMs);
    results.projectionAfterLatency = await attempt(results, 'latency', () =>
      waitForProjection(ctx, options.mode === 'quick' ? 20_000 : 120_000),
    );
  }
  if (wants('upstream')) {
    results.upstream = await attempt(results, 'upstream', () =>
      measureUpstreamConnections(ctx, {
        watcherCounts: options.upstreamWatchers,
        framesPerRun: 40,
        paceMs: 5,
      }),
    );
  }
  if (wants('fanout')) {
    results.fanout = await attempt(results, 'fanout', () =>
      measureFanout(ctx, {
        clientCounts: options.fanoutClients,
        framesPerRun: options.fanoutFrames,
        paceMs: options.fanoutPaceMs,
        repeats: options.fanoutRepeats,
        frameBytes: options.frameBytes,
      }),
    );
  }
  if (wants('sse-clients')) {
    results.sseClients = await attempt(results, 'sse-clients', () =>
      measureSseCapacity(ctx, {
        clients: options.sseClients,
        sessions: options.sseSessions,
        framesPerRun: 20,
        paceMs: 20,
        frameBytes: options.frameBytes,
      }),
    );
  }
  // After the light measurements: its projection backlog would otherwise weigh on them.
  if (wants('throughput')) {
    results.throughput = await attempt(results, 'throughput', () =>
      measureThroughput(ctx, {
        sessions: options.throughputSessions,
        framesPerSession: options.throughputFrames,
        frameBytes: options.frameBytes,
        timeoutMs: 180_000,
        projectionTimeoutMs: options.mode === 'quick' ? 20_000 : 60_000,
      }),
    );
  }
  // After the throughput, so that its records hold as many events as the pipeline's did.
  if (wants('nats') && results.nats) {
    const folded = results.throughput?.normalizer;
    const eventsPerRecord =
      folded?.records_folded && folded.events_published
        ? Math.max(1, Math.round((folded.events_published / folded.records_folded) * 100) / 100)
        : EVENTS_PER_RECORD_AT_SATURATION;
    // As many events as the throughput run carries, over as many sessions.
    const parameters = {
      sessions: options.throughputSessions,
      recordsPerSession: Math.round(options.throughputFrames / eventsPerRecord),
      eventsPerRecord,
      recordBytesPerEvent: options.frameBytes + FRAME_ENVELOPE_BYTES,
      eventBytes,
    };
    const hopsAt = (
      name: string,
      streams: string,
      load: typeof parameters & { eventsPerSecond?: number },
    ) => {
      const settings = {
        natsUrl: natsUrl!,
        prefix: `${prefix}_${streams}`,
        natsPid,
        natsMonitoringUrl,
        ...load,
      };
      // Paced, the run lasts as long as its events take at that rate.
      const pacedMs = load.eventsPerSecond ? (eventsCarried(settings) / load.eventsPerSecond) * 1000 : 0;
      return attempt(results, name, () =>
        measureEventHops({ ...settings, timeoutMs: 120_000 + 2 * pacedMs }),
      ).then((hops) => (hops ? { ...hops, parameters: load } : undefined));
    };
    results.nats.eventHops = await hopsAt('nats: event hops', 'hops', parameters);
    // Again at the pipeline's own rate: what the hops cost per event at its pace, so that what the
    // services add is a difference at one rate (at a lower rate fewer messages share a wake-up).
    const pipelineRate = results.throughput?.eventsPerSecond;
    if (pipelineRate) {
      results.nats.eventHopsAtPipelineRate = await hopsAt('nats: event hops at the pipeline rate', 'paced', {
        ...parameters,
        eventsPerSecond: Math.round(pipelineRate),
      });
    }
    results.ratioCeiling = ratioCeilingOf(results);
  }
  // Last on this stack: its sessions never end, and would weigh on every later figure.
  if (wants('runner-sessions')) {
    results.runnerSessions = await attempt(results, 'runner-sessions', () =>
      measureRunnerCapacity(ctx, {
        steps: options.runnerSessions,
        stepTimeoutBaseMs: 30_000,
        stepTimeoutPerSessionMs: 40,
      }),
    );
  }
  await closeBenchNats();
  // Stopped now (not at the very end) so profiled services write their profiles before the summary.
  log('stopping the platform');
  await stopStack();
  if (profile?.kind === 'cpu') results.profiles = summarizeProfileDir(profile.dir);
  if (profile?.kind === 'allocations')
    results.allocationProfiles = summarizeAllocationProfileDir(profile.dir);
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.resolve(REPO_ROOT, options.outDir);
  const runDir = path.join(outDir, stamp);
  mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const cleanup = new CleanupStack(log);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up (processes, database, streams)…`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    options,
    machine: machineInfo(),
    errors: {},
  };
  try {
    if (options.only.some((name) => name !== 'startup')) {
      await runPlatformMeasurements(options, results, cleanup, runDir).catch((error: Error) => {
        results.errors.platform = error.message;
        log(`platform: FAILED: ${error.stack ?? error}`);
      });
    }
    await cleanup.runAll();
    if (options.only.includes('startup') && !interrupted) {
      results.startup = await attempt(results, 'startup', () =>
        measureStartup(
          {
            repeats: options.startupRepeats,
            timeoutMs: 120_000,
            natsUrl: options.startupNatsUrl,
            prefix: `benchstart${randomBytes(3).toString('hex')}`,
          },
          log,
        ),
      );
    }
  } finally {
    await cleanup.runAll();
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAfter = os.loadavg().map((n) => Math.round(n * 100) / 100);
  const file = path.join(outDir, `${stamp}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\n${renderResultsTable(results)}\n\n`);
  for (const summary of results.profiles ?? []) process.stdout.write(`${formatProfileSummary(summary)}\n\n`);
  for (const summary of results.allocationProfiles ?? []) {
    process.stdout.write(`${formatAllocationSummary(summary)}\n\n`);
  }
  process.stdout.write(
    `machine: ${results.machine.cpus} × ${results.machine.cpuModel}${serverThreads(results.machine)}, load ${results.machine.loadAverageBefore.join(' ')} → ${results.machine.loadAverageAfter.join(' ')}\n` +
      `results: ${path.relative(process.cwd(), file)} (logs${options.profile ? ', profiles' : ''} in ${path.relative(process.cwd(), runDir)})\n`,
  );
  process.exit(Object.keys(results.errors).length ? 1 : 0);
}

main().catch((error: Error) => {
  process.stderr.write(
    error instanceof BenchUsageError ? `${error.message}\n` : `bench: ${error.stack ?? error}\n`,
  );
  process.exit(error instanceof BenchUsageError ? 64 : 1);
});
