import { fork, type ChildProcess } from 'child_process';
import path from 'path';
import { natsNames } from '@lap/contracts';
import { ensureStreams, NatsClient } from '@lap/messaging';
import { withTimeout } from './bounded';
import {
  eventsCarried,
  recordsCarried,
  type EventHopsLoad,
  type EventHopsStageSettings,
  type FromStage,
  type ToStage,
} from './event-hops-stage';
import { readNatsTraffic, trafficPerEvent, type NatsTrafficPerEvent } from './nats-traffic';
import { readProcessUsage, type ProcessUsage } from './process-usage';
import { arrivalsPerSecond, saturationWindows } from './saturation-window';
import { REPO_ROOT } from './service-process';

export interface EventHopsSettings extends EventHopsLoad {
  /** How long every event may take to reach the sink. */
  timeoutMs: number;
  /** The bench's own server, priced with the stages; absent on a shared one. */
  natsPid?: number;
  natsMonitoringUrl?: string;
}

/**
 * The pipeline's JetStream hops alone: what the platform's event path would carry if its services did
 * nothing but pass each event on. The throughput figure divided by this says how much of the gap to
 * JetStream's bare publish rate is the design's hops and how much the services' own work.
 */
export interface EventHops {
  /** Between the 10th and the 90th percentile of arrivals at the sink, as the throughput figure. */
  eventsPerSecond: number;
  /** Over the part of that window before the source's last append; null when it was done before. */
  whileSourceAppended: number | null;
  /** CPU per event of each stage (and the bench's own server), µs, from the first record to the last event. */
  cpuMicros: Record<string, number>;
  nats: NatsTrafficPerEvent | null;
}

const STAGES = ['source', 'relay', 'sink'] as const;
type StageName = (typeof STAGES)[number];
/** The built stage, also when this module runs from source (in jest), as the services do. */
const STAGE_SCRIPT = path.join(REPO_ROOT, 'apps', 'local-stack', 'dist', 'bench', 'event-hops-stage.js');

/** Runs the three stages as processes of their own, as the runner, normalizer and gateway are. */
export async function measureEventHops(settings: EventHopsSettings): Promise<EventHops> {
  const names = natsNames(settings.prefix);
  const admin = await NatsClient.connect({ url: settings.natsUrl, name: 'bench-hops' });
  const stages = new Map<StageName, Stage>();
  try {
    await ensureStreams(admin.jsm, names, ['raw', 'events']);
    const { timeoutMs, natsPid, natsMonitoringUrl, ...load } = settings;
    for (const role of STAGES) stages.set(role, await Stage.fork({ role, ...load }));
    const stage = (name: StageName) => stages.get(name)!;
    const expected = eventsCarried(load);
    const before = usageOf(stages, natsPid);
    const trafficBefore = natsMonitoringUrl ? await readNatsTraffic(natsMonitoringUrl) : null;
    const startedAt = Date.now();
    // Done when the sink has every event and the relay has counted every record it relayed.
    const done = Promise.race([
      Promise.all([stage('sink').next('done'), stage('relay').next('done')]),
      ...STAGES.map((name) => stage(name).failure()),
    ]);
    for (const role of STAGES) stage(role).tell({ type: 'start' });
    await withTimeout(`${expected} events through the hops`, done, timeoutMs);
    const after = usageOf(stages, natsPid);
    const trafficAfter = natsMonitoringUrl ? await readNatsTraffic(natsMonitoringUrl) : null;

    const [source, relay, sink] = await Promise.all(STAGES.map((name) => stage(name).report()));
    const records = recordsCarried(load);
    if (source.records !== records || relay.records !== records || relay.events !== expected) {
      throw new Error(
        `the hops carried ${source.records} records and relayed ${relay.records} with ${relay.events} events; ` +
          `expected ${records} records and ${expected} events`,
      );
    }
    const arrivals = [...sink.arrivalsMs].sort((a, b) => a - b);
    const windows = saturationWindows(arrivals, source.lastAppendAtMs, { from: startedAt, to: Date.now() });
    const cpuMicros: Record<string, number> = {};
    for (const [name, start] of before) {
      const end = after.get(name);
      if (start && end) cpuMicros[name] = ((end.cpuSeconds - start.cpuSeconds) * 1e6) / expected;
    }
    return {
      eventsPerSecond: arrivalsPerSecond(arrivals, windows.whole),
      whileSourceAppended: windows.upstreamAtWork
        ? arrivalsPerSecond(arrivals, windows.upstreamAtWork)
        : null,
      cpuMicros,
      nats: trafficBefore && trafficAfter ? trafficPerEvent(trafficBefore, trafficAfter, expected) : null,
    };
  } finally {
    for (const stage of stages.values()) stage.end();
    await admin.jsm.streams.delete(names.streams.raw).catch(() => undefined);
    await admin.jsm.streams.delete(names.streams.events).catch(() => undefined);
    await admin.close();
  }
}

function usageOf(stages: Map<StageName, Stage>, natsPid?: number): Map<string, ProcessUsage | null> {
  const usage = new Map<string, ProcessUsage | null>();
  for (const [name, stage] of stages) usage.set(name, readProcessUsage(stage.pid));
  if (natsPid) usage.set('nats-server', readProcessUsage(natsPid));
  return usage;
}

/** A forked stage process and the one conversation the bench has with it. */
class Stage {
  private constructor(
    private readonly child: ChildProcess,
    private readonly role: string,
  ) {}

  static async fork(settings: EventHopsStageSettings): Promise<Stage> {
    const child = fork(STAGE_SCRIPT, [JSON.stringify(settings)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const stage = new Stage(child, settings.role);
    try {
      await withTimeout(`the ${settings.role} stage starting`, stage.next('ready'), 15_000);
    } catch (error) {
      stage.end();
      throw error;
    }
    return stage;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  tell(message: ToStage): void {
    this.child.send(message);
  }

  async report(): Promise<Extract<FromStage, { type: 'report' }>> {
    const answer = this.next('report');
    this.tell({ type: 'report' });
    return withTimeout('a stage reporting', answer, 15_000);
  }

  /** Rejects when the stage says it failed; never resolves. */
  failure(): Promise<never> {
    return this.next('failed').then((failed) => {
      throw new Error(`the event hops failed: ${failed.message}`);
    });
  }

  end(): void {
    if (this.child.connected) this.child.disconnect();
    setTimeout(() => this.child.kill('SIGKILL'), 5_000).unref();
  }

  next<T extends FromStage['type']>(type: T): Promise<Extract<FromStage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromStage) => {
        if (message.type !== type) return;
        this.child.off('message', onMessage);
        resolve(message as Extract<FromStage, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', (code) =>
        reject(new Error(`the ${this.role} stage exited (${code}) before it said ${type}`)),
      );
    });
  }
}
