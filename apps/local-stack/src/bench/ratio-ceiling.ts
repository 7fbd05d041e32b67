import type { BenchResults } from './bench-results';
import { totalMicros, type WorkPerEvent } from './work-per-event';

/** On the measured cores but not the platform's services: Cursor's stand-in and the bench's SSE clients. */
const HARNESS = ['cursor-emulator', 'bench'];
const DATABASE = 'postgres';

/**
 * How far the ratio to JetStream's rate could go on this machine if the services did no work beyond
 * passing events through the pipeline's hops, and how much of their own work the ⅓ target leaves
 * room for. An estimate, and a rough one: throughput is taken to go as one over the CPU per event
 * (the cores saturated); the rate is the saturation window's, the CPU per event is counted from the
 * prompts until the projection caught up, and the hops are priced at the pipeline's rate, not at the
 * higher one the estimate reaches. In the nineteenth round's runs, pricing the hops as fast as they go
 * moved it by −0.02 to +0.07; the CPU per event over the saturation window lowered it by 0.02–0.11.
 */
export interface RatioCeiling {
  /** CPU per event the services' code does not set: the hops alone, the harness, PostgreSQL. */
  givenMicros: { hops: number; harness: number; database: number };
  /** The rest of the pipeline's CPU per event: what the services do beyond the hops. */
  servicesOwnMicros: number;
  /** The pipeline's rate with none of that work. */
  eventsPerSecond: number;
  /** … ÷ JetStream's pipelined rate. */
  ratio: number;
  /** The services' own work per event at which the pipeline would reach ⅓ of JetStream's rate. */
  servicesOwnAtThirdMicros: number;
}

/** The ceiling of a run that measured the throughput and the hops paced at its rate; else undefined. */
export function ratioCeilingOf({ throughput, nats }: BenchResults): RatioCeiling | undefined {
  const pacedHops = nats?.eventHopsAtPipelineRate;
  if (!throughput || !nats || !pacedHops) return undefined;
  return ratioCeiling(throughput, pacedHops.cpuMicros, nats.jetStreamPipelinedPerSecond);
}

export function ratioCeiling(
  pipeline: { eventsPerSecond: number; perEvent: WorkPerEvent },
  hopsCpuMicros: Record<string, number>,
  jetStreamPerSecond: number,
): RatioCeiling {
  const cpu = pipeline.perEvent.cpuMicros;
  const total = totalMicros(cpu);
  const givenMicros = {
    hops: totalMicros(hopsCpuMicros),
    harness: HARNESS.reduce((harness, name) => harness + (cpu[name] ?? 0), 0),
    database: cpu[DATABASE] ?? 0,
  };
  const given = totalMicros(givenMicros);
  // The rate scaled by the CPU per event: what the same CPU would carry at another cost per event.
  const scaled = pipeline.eventsPerSecond * total;
  const eventsPerSecond = scaled / given;
  return {
    givenMicros,
    servicesOwnMicros: total - given,
    eventsPerSecond,
    ratio: eventsPerSecond / jetStreamPerSecond,
    servicesOwnAtThirdMicros: scaled / (jetStreamPerSecond / 3) - given,
  };
}
