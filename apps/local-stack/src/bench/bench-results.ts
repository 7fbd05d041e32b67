import type { AddedLatency } from './added-latency';
import type { BenchOptions } from './bench-options';
import type { AllocationSummary } from './allocation-profile-summary';
import type { ProfileSummary } from './cpu-profile-summary';
import type { FanoutPoint } from './fanout-delay';
import type { EventHops } from './event-hops';
import type { NatsLimits } from './nats-limits';
import type { ProjectionCatchUp } from './projection-lag';
import type { RunnerCapacity } from './runner-capacity';
import type { SseCapacity } from './sse-client-capacity';
import type { RatioCeiling } from './ratio-ceiling';
import type { RepeatedRuns } from './statistics';
import type { Startup } from './startup-time';
import type { Throughput } from './throughput';
import type { UpstreamPoint } from './upstream-connections';

/** Everything one bench run found, with what was run: the JSON file is exactly this. */
export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  command: string;
  options: BenchOptions;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    natsServer: string;
    /** The bench's own server's Go threads (GOMAXPROCS); absent on a shared server (--nats-url). */
    natsServerGoMaxProcs?: number;
    loadAverageBefore: number[];
    loadAverageAfter?: number[];
  };
  nats?: NatsLimits & {
    parameters: Record<string, number>;
    eventHops?: EventHops & { parameters: Record<string, number> };
    /** The same, the source paced at the rate the throughput run delivered. */
    eventHopsAtPipelineRate?: EventHops & { parameters: Record<string, number> };
  };
  latency?: RepeatedRuns<AddedLatency>;
  /** The PostgreSQL projection catching up after (1), before anything else is measured. */
  projectionAfterLatency?: ProjectionCatchUp;
  throughput?: Throughput;
  /** Computed from the throughput and the paced hops: how far the services' own work lets the ratio go. */
  ratioCeiling?: RatioCeiling;
  upstream?: UpstreamPoint[];
  fanout?: FanoutPoint[];
  sseClients?: SseCapacity;
  runnerSessions?: RunnerCapacity;
  startup?: Startup;
  profiles?: ProfileSummary[];
  allocationProfiles?: AllocationSummary[];
  /** Measurements that failed, with why: the others still ran. */
  errors: Record<string, string>;
}
