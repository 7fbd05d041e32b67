import type { BenchResults } from './bench-results';
import { ratioCeiling, ratioCeilingOf } from './ratio-ceiling';

describe('the ceiling on the ratio to JetStream', () => {
  // The 06:20 full run's figures, rounded: 11,155 events/s at 183 µs per event, the hops 83 µs.
  const pipeline = {
    eventsPerSecond: 11_155,
    perEvent: {
      cpuMicros: {
        'cursor-emulator': 22,
        credentials: 0,
        normalizer: 41,
        'session-runner': 36,
        gateway: 31,
        'nats-server': 30,
        postgres: 19,
        bench: 4,
      },
      runQueueMicros: {},
      nats: null,
    },
  };
  const hops = { source: 11, relay: 29, sink: 16, 'nats-server': 27 };

  it('splits the CPU per event into the hops, the harness, PostgreSQL and the services’ own work', () => {
    const ceiling = ratioCeiling(pipeline, hops, 46_538);
    expect(ceiling.givenMicros).toEqual({ hops: 83, harness: 26, database: 19 });
    expect(ceiling.servicesOwnMicros).toBe(183 - 128);
  });

  it('scales the rate by the CPU per event the services’ own work would no longer take', () => {
    const ceiling = ratioCeiling(pipeline, hops, 46_538);
    expect(ceiling.eventsPerSecond).toBeCloseTo((11_155 * 183) / 128, 6);
    expect(ceiling.ratio).toBeCloseTo((11_155 * 183) / 128 / 46_538, 6);
  });

  it('says how much of their own work the services may keep at ⅓ of JetStream’s rate', () => {
    // 11,155 × 183 µs of CPU each second over 15,513 events is 131.6 µs per event, 128 of them given.
    expect(ratioCeiling(pipeline, hops, 46_538).servicesOwnAtThirdMicros).toBeCloseTo(3.6, 1);
    // Against a slower JetStream, the same pipeline has room to spare.
    expect(ratioCeiling(pipeline, hops, 20_000).servicesOwnAtThirdMicros).toBeCloseTo(178.2, 1);
  });

  it("takes a run's hops as paced at its rate, and JetStream's pipelined rate", () => {
    const run = {
      throughput: pipeline,
      nats: {
        jetStreamPipelinedPerSecond: 46_538,
        jetStreamSequentialPerSecond: 10_599,
        eventHops: { cpuMicros: { source: 9, relay: 25, sink: 14, 'nats-server': 22 } },
        eventHopsAtPipelineRate: { cpuMicros: hops },
      },
    } as unknown as BenchResults;
    expect(ratioCeilingOf(run)).toEqual(ratioCeiling(pipeline, hops, 46_538));
  });

  it('is left out of a run without the paced hops or the throughput', () => {
    expect(ratioCeilingOf({ throughput: pipeline } as unknown as BenchResults)).toBeUndefined();
    expect(
      ratioCeilingOf({ nats: { eventHopsAtPipelineRate: { cpuMicros: hops } } } as unknown as BenchResults),
    ).toBeUndefined();
  });
});
