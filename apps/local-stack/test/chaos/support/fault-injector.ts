import { sleep, SubjectLog } from '@lap/messaging';
import type { ApiGate } from './api-gate';
import type { ChaosPlatform } from './chaos-platform';
import { GatewayApi } from './gateway-api';
import type { SeededRandom } from './seeded-random';
import type { ServiceProcess } from './service-process';
import { writerPid } from './session-watch';

export const FAULT_KINDS = [
  'runner.kill9',
  'runner.sigterm',
  'runner.sigstop',
  'normalizer.kill9',
  'normalizer.sigterm',
  'gateway.kill9',
  'nats.restart',
  'postgres.outage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectedFault {
  kind: FaultKind;
  target: string;
  /** The process hit (runner faults: to tell its raw records apart). */
  pid?: number;
  at: number;
  /** When the target was back (restarted, thawed, reachable). */
  recoveredAt?: number;
}

/** What the API and the live streams did while PostgreSQL was cut off. */
export interface OutageObservation {
  status: number;
  message: string;
  /** SSE frames clients received during the outage. */
  framesDuringOutage: number;
  /** From PostgreSQL back to every service answering ready again. */
  recoveredAfterMs?: number;
}

/**
 * Breaks the platform on request: kills (-9), terminates, freezes and restarts processes, restarts the
 * nats-server, cuts PostgreSQL. Never takes the last healthy runner, normalizer or gateway. Process faults
 * run in the background (so they overlap); the ones that could make an API call ambiguous hold the gate.
 */
export class FaultInjector {
  readonly injected: InjectedFault[] = [];
  readonly outages: OutageObservation[] = [];
  private readonly impaired = new Set<ServiceProcess>();
  private readonly recovering = new Set<Promise<void>>();

  constructor(
    private readonly platform: ChaosPlatform,
    private readonly gate: ApiGate,
    private readonly random: SeededRandom,
    /** SSE frames received so far by every client (to see streams go on through an outage). */
    private readonly framesReceived: () => number,
    /** Sessions started and not finished yet: runner faults aim at the runners executing them. */
    private readonly liveSessionIds: () => string[],
    /** A session the API can be asked about while PostgreSQL is away. */
    private readonly anySessionId: () => string | undefined,
  ) {}

  /** Injects one fault; false when it could not be (no healthy target to spare). */
  async inject(kind: FaultKind): Promise<boolean> {
    switch (kind) {
      case 'runner.kill9':
        return this.hitProcess(kind, this.platform.runners, 'SIGKILL', false, await this.busyRunnerPids());
      case 'runner.sigterm':
        return this.hitProcess(kind, this.platform.runners, 'SIGTERM', false, await this.busyRunnerPids());
      case 'runner.sigstop':
        return this.freeze(kind, this.platform.runners, await this.busyRunnerPids());
      case 'normalizer.kill9':
        return this.hitProcess(kind, this.platform.normalizers, 'SIGKILL');
      case 'normalizer.sigterm':
        return this.hitProcess(kind, this.platform.normalizers, 'SIGTERM');
      case 'gateway.kill9':
        return this.gate.alone(() => this.hitProcess(kind, this.platform.gateways, 'SIGKILL', true));
      case 'nats.restart':
        return this.gate.alone(() => this.restartNats());
      case 'postgres.outage':
        return this.gate.alone(() => this.cutDatabase());
    }
  }

  /** Waits for every restart and thaw under way. */
  async recoverAll(): Promise<void> {
    while (this.recovering.size > 0) await Promise.allSettled([...this.recovering]);
  }

  /** Pids of the runners that wrote the newest raw record of a live session (the ones executing them). */
  private async busyRunnerPids(): Promise<Set<number>> {
    const raw = new SubjectLog(this.platform.client, this.platform.names.streams.raw);
    const pids = new Set<number>();
    for (const sessionId of this.liveSessionIds()) {
      const last = await raw.last(this.platform.names.raw(sessionId)).catch(() => null);
      if (last) pids.add(writerPid(last));
    }
    return pids;
  }

  /** A healthy process of the pool, one of `preferred` when possible; never the last healthy one. */
  private pickVictim(pool: ServiceProcess[], preferred = new Set<number>()): ServiceProcess | undefined {
    const healthy = pool.filter((p) => p.running && !this.impaired.has(p));
    if (healthy.length < 2) return undefined;
    const busy = healthy.filter((p) => p.pid !== undefined && preferred.has(p.pid));
    return this.random.pick(busy.length > 0 ? busy : healthy);
  }

  private async hitProcess(
    kind: FaultKind,
    pool: ServiceProcess[],
    signal: 'SIGKILL' | 'SIGTERM',
    restartBeforeReturning = false,
    preferred?: Set<number>,
  ): Promise<boolean> {
    const victim = this.pickVictim(pool, preferred);
    if (!victim) return false;
    this.impaired.add(victim);
    const fault: InjectedFault = { kind, target: victim.name, pid: victim.pid, at: Date.now() };
    this.injected.push(fault);
    await victim.signal(signal);
    const downMs = this.random.int(500, 3_000);
    const restart = this.track(async () => {
      await sleep(downMs);
      await startWithRetries(victim);
      fault.recoveredAt = Date.now();
      this.impaired.delete(victim);
    });
    if (restartBeforeReturning) await restart;
    return true;
  }

  /** A partition as the runner sees it: alive, holding its sessions, silent past its lease. */
  private async freeze(kind: FaultKind, pool: ServiceProcess[], preferred: Set<number>): Promise<boolean> {
    const victim = this.pickVictim(pool, preferred);
    if (!victim) return false;
    this.impaired.add(victim);
    const fault: InjectedFault = { kind, target: victim.name, pid: victim.pid, at: Date.now() };
    this.injected.push(fault);
    await victim.signal('SIGSTOP');
    const frozenMs = this.platform.options.runnerAckWaitMs + this.random.int(1_000, 3_000);
    void this.track(async () => {
      await sleep(frozenMs);
      await victim.signal('SIGCONT');
      fault.recoveredAt = Date.now();
      this.impaired.delete(victim);
    });
    return true;
  }

  private async restartNats(): Promise<boolean> {
    const fault: InjectedFault = { kind: 'nats.restart', target: 'nats-server', at: Date.now() };
    this.injected.push(fault);
    await this.platform.nats.restart(this.random.int(1_000, 3_000));
    // Every service reconnects by itself; API calls resume once they all have.
    await this.platform.waitUntilReady();
    fault.recoveredAt = Date.now();
    return true;
  }

  private async cutDatabase(): Promise<boolean> {
    const gateway = this.platform.gateways.findIndex((g) => g.running);
    const sessionId = this.anySessionId();
    if (gateway < 0 || !sessionId) return false;
    const fault: InjectedFault = { kind: 'postgres.outage', target: 'postgresql relay', at: Date.now() };
    this.injected.push(fault);
    const framesBefore = this.framesReceived();
    await this.platform.databaseRelay.cut();
    const outageMs = this.random.int(3_000, 6_000);
    // Asked once the pool has noticed (its connections were dropped with the relay).
    await sleep(500);
    const api = new GatewayApi(this.platform.gatewayUrl(gateway), this.platform.masterKey);
    const response = await api.request('GET', `/session/${sessionId}`, undefined, {
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    await sleep(Math.max(0, outageMs - (Date.now() - fault.at)));
    this.outages.push({
      status: response.status,
      message: body.error?.message ?? '',
      framesDuringOutage: this.framesReceived() - framesBefore,
    });
    await this.platform.databaseRelay.restore();
    const restoredAt = Date.now();
    await this.platform.waitUntilReady();
    fault.recoveredAt = Date.now();
    this.outages[this.outages.length - 1].recoveredAfterMs = fault.recoveredAt - restoredAt;
    return true;
  }

  private track(work: () => Promise<void>): Promise<void> {
    const task = work();
    this.recovering.add(task);
    void task.finally(() => this.recovering.delete(task)).catch(() => undefined);
    return task;
  }
}

/** A process restarted while NATS or PostgreSQL is away may fail to start: try again for a while. */
export async function startWithRetries(service: ServiceProcess, attempts = 30): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await service.start();
      return;
    } catch (error) {
      await service.signal('SIGKILL');
      if (attempt >= attempts || service.retired) throw error;
      await sleep(1_000);
    }
  }
}
