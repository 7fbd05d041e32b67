import type { BenchContext } from './bench-context';
import {
  readNatsTraffic,
  trafficPerEvent,
  type NatsTrafficCounters,
  type NatsTrafficPerEvent,
} from './nats-traffic';
import { growthByProcess, type ReadingsByPid } from './usage-sampler';

/**
 * What delivering one event cost over a stretch of a run: CPU of each process in µs (the rest of the
 * machine left out), and what NATS carried (null when the bench does not own the server). Counted
 * work, so it compares across days when the shared machine's rates do not.
 */
export interface WorkPerEvent {
  cpuMicros: Record<string, number>;
  /** How long each process's threads waited for a core, in µs per event: the machine's contention. */
  runQueueMicros: Record<string, number>;
  nats: NatsTrafficPerEvent | null;
}

/** µs per event over every process named: the whole cost of an event. */
export const totalMicros = (micros: Record<string, number>): number =>
  Object.values(micros).reduce((sum, value) => sum + value, 0);

/** Started before a measurement's load, read after it with the number of events delivered. */
export class WorkMeter {
  private constructor(
    private readonly ctx: BenchContext,
    private readonly startedAt: number,
    private readonly trafficBefore: NatsTrafficCounters | undefined,
    private readonly runQueueBefore: ReadingsByPid,
  ) {}

  static async start(ctx: BenchContext): Promise<WorkMeter> {
    const traffic = ctx.natsMonitoringUrl ? await readNatsTraffic(ctx.natsMonitoringUrl) : undefined;
    return new WorkMeter(ctx, Date.now(), traffic, ctx.usage.runQueueSecondsNow());
  }

  async perEvent(events: number): Promise<WorkPerEvent> {
    const endedAt = Date.now();
    const { natsMonitoringUrl } = this.ctx;
    const trafficAfter =
      this.trafficBefore && natsMonitoringUrl ? await readNatsTraffic(natsMonitoringUrl) : undefined;
    const durationMs = endedAt - this.startedAt;
    const cpuPercent = this.ctx.usage.cpuPercentBetween(this.startedAt, endedAt);
    const waitedSeconds = growthByProcess(this.runQueueBefore, this.ctx.usage.runQueueSecondsNow());
    const perEvent = (entries: Array<[string, number]>) =>
      events > 0 ? Object.fromEntries(entries.map(([name, micros]) => [name, micros / events])) : {};
    return {
      cpuMicros: perEvent(
        Object.entries(cpuPercent)
          .filter(([name]) => name !== 'others')
          .map(([name, percent]) => [name, (percent / 100) * durationMs * 1000]),
      ),
      runQueueMicros: perEvent(
        Object.entries(waitedSeconds).map(([name, seconds]) => [name, seconds * 1_000_000]),
      ),
      nats:
        this.trafficBefore && trafficAfter ? trafficPerEvent(this.trafficBefore, trafficAfter, events) : null,
    };
  }
}
