import type { BenchResults } from './bench-results';
import type { FanoutRun } from './fanout-delay';
import { renderResultsTable } from './results-table';
import { summarizeRuns } from './statistics';

const fanoutRun = (p50: number, p99: number, gatewayCpuPercent: number): FanoutRun => ({
  clientsCompleted: 1000,
  delayMs: { count: 200_000, p50, p99, max: p99 * 2 },
  gatewayCpuPercent,
  benchCpuPercent: 60,
});

const resultsWith = (runs: FanoutRun[], failures: string[] = []) =>
  ({
    machine: {},
    errors: {},
    fanout: [{ clients: 1000, ...summarizeRuns('fan-out', runs, (run) => run.delayMs), failures }],
  }) as unknown as BenchResults;

const fanoutRow = (table: string) => table.split('\n').find((line) => line.startsWith('(3) fan-out'));

describe('the results table', () => {
  it("judges the fan-out target on the median of the runs' p99, and lists each run's", () => {
    const row = fanoutRow(
      renderResultsTable(resultsWith([fanoutRun(14, 107, 61), fanoutRun(13, 49, 51), fanoutRun(15, 61, 55)])),
    );
    expect(row).toContain('14 ms / 61 ms / 122 ms (p99 of the runs: 107 ms, 49 ms, 61 ms)');
    expect(row).toContain('NOT met');
    expect(row).toContain('median of 3 runs; median run: gateway CPU 55%');
  });

  it('says how many runs failed beside the median of those that completed', () => {
    const row = fanoutRow(
      renderResultsTable(resultsWith([fanoutRun(14, 60, 61), fanoutRun(13, 49, 51)], ['did not open'])),
    );
    expect(row).toContain('median of 2 runs (1 failed); median run: gateway CPU 51%');
  });

  it('shows a single run without a list of runs', () => {
    const row = fanoutRow(renderResultsTable(resultsWith([fanoutRun(13, 49, 51)])));
    expect(row).toContain('13 ms / 49 ms / 98 ms │');
    expect(row).toMatch(/│ met/);
    expect(row).not.toContain('runs:');
  });
});

describe("the results table's event hops", () => {
  const hop = { count: 1000, p50: 0.2, p99: 1, max: 2 };
  const results = {
    machine: {},
    errors: {},
    nats: {
      natsHopMs: hop,
      jetStreamAckMs: hop,
      natsHopWork: null,
      jetStreamAckWork: null,
      jetStreamSequentialPerSecond: 5_000,
      jetStreamPipelinedPerSecond: 30_000,
      jetStreamPipelinedWindows: [33_000, 30_000, 24_000],
      parameters: { ratePerSecond: 1000, payloadBytes: 456, pipelineWindow: 256 },
      eventHops: {
        eventsPerSecond: 20_000,
        whileSourceAppended: null,
        cpuMicros: { source: 8, relay: 30, sink: 15, 'nats-server': 31 },
        nats: null,
        parameters: {
          sessions: 32,
          recordsPerSession: 419,
          eventsPerRecord: 3.58,
          recordBytesPerEvent: 356,
          eventBytes: 456,
        },
      },
      eventHopsAtPipelineRate: {
        eventsPerSecond: 9_950,
        whileSourceAppended: 9_950,
        cpuMicros: { source: 12, relay: 36, sink: 20, 'nats-server': 35 },
        nats: null,
        parameters: { eventsPerSecond: 10_000 },
      },
    },
    throughput: {
      parameters: { sessions: 32, framesPerSession: 1500, frameBytes: 256 },
      eventsPerSecond: 10_000,
      upstreamAtWork: null,
      cpuPercent: {},
      consumersAtEnd: {},
      normalizer: {},
      projectionWork: {},
      projection: { backlogAtStart: 0, backlogAtEnd: 0, waitedMs: 0, eventsPerSecond: 0 },
      perEvent: { cpuMicros: {}, runQueueMicros: {}, nats: null },
    },
    ratioCeiling: {
      givenMicros: { hops: 103, harness: 26, database: 19 },
      servicesOwnMicros: 52,
      eventsPerSecond: 13_514,
      ratio: 0.4505,
      servicesOwnAtThirdMicros: 30.4,
    },
  } as unknown as BenchResults;
  const lines = renderResultsTable(results).split('\n');
  const rowAfter = (figure: string, label: string) =>
    lines.slice(lines.findIndex((line) => line.startsWith(figure))).find((line) => line.includes(label));

  it('shows the pipelined publish rate as the median of its windows, listing each', () => {
    expect(lines.find((line) => line.startsWith('JetStream publish rate, pipelined'))).toContain(
      '30,000/s (median of 33,000/s, 30,000/s, 24,000/s)',
    );
  });

  it("divides the pipeline's events/s by the hops' beside the ratio to JetStream's rate", () => {
    expect(lines.find((line) => line.startsWith('(2) … ÷ JetStream pipelined rate'))).toContain('0.333');
    expect(lines.find((line) => line.startsWith("(2) … ÷ the pipeline's JetStream hops"))).toContain('0.5 ');
  });

  it("prices the hops at the pipeline's own rate beside the pipeline's CPU per event", () => {
    expect(lines.find((line) => line.includes("… the JetStream hops' at this rate"))).toContain(
      '103 µs: source 12, relay 36, sink 20, nats-server 35',
    );
    expect(lines.find((line) => line.includes("… the JetStream hops' at this rate"))).toContain(
      '9,950/s (paced at 10,000/s)',
    );
  });

  it("shows how far the ratio could go with none of the services' own work, and the room ⅓ leaves", () => {
    const ceiling = rowAfter('(2) events/s', "… if the services did only the hops' work");
    expect(ceiling).toContain("13,514/s, 0.451 of JetStream's rate");
    expect(ceiling).toContain('hops 103 + harness 26 + PostgreSQL 19 µs per event');
    const room = rowAfter('(2) events/s', "the services' own work per event");
    expect(room).toContain("52 µs; at ⅓ of JetStream's rate 30 µs");
  });

  it('says none is left when ⅓ is out of reach even with none of their own work', () => {
    const beyondReach = {
      ...results,
      ratioCeiling: { ...results.ratioCeiling, ratio: 0.3, servicesOwnAtThirdMicros: -15 },
    } as BenchResults;
    const row = renderResultsTable(beyondReach)
      .split('\n')
      .find((line) => line.includes("the services' own work per event"));
    expect(row).toContain("52 µs; at ⅓ of JetStream's rate none");
  });

  it('prices the hops against the pipelined publish rate and names each stage', () => {
    expect(rowAfter("JetStream hops of the pipeline's events", 'JetStream hops')).toContain(
      '32×419 records of 3.58 events (356 B each), events of 456 B',
    );
    expect(rowAfter("JetStream hops of the pipeline's events", '… ÷ JetStream pipelined rate')).toContain(
      '0.667',
    );
    expect(rowAfter("JetStream hops of the pipeline's events", 'CPU per event')).toContain(
      '84 µs: source 8, relay 30, sink 15, nats-server 31',
    );
  });
});
