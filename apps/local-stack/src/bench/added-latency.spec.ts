import { summarizeLatencyRuns, type AddedLatency } from './added-latency';
import { parseBenchOptions } from './bench-options';

const runWith = (p50: number, p99: number): AddedLatency =>
  ({ endToEndMs: { count: 100, p50, p99, max: p99 + 1 } }) as AddedLatency;

describe('repeated latency runs', () => {
  it('reports the median p50 and p99 over the runs, and details the run with the median p99', () => {
    const runs = [runWith(7, 540), runWith(4, 60), runWith(5, 90)];
    const summary = summarizeLatencyRuns(runs);
    expect(summary.medianP50Ms).toBe(5);
    expect(summary.medianP99Ms).toBe(90);
    expect(summary.medianRun).toBe(runs[2]);
  });

  it('takes the lower middle run when the count is even, and refuses none', () => {
    const runs = [runWith(3, 30), runWith(9, 900)];
    expect(summarizeLatencyRuns(runs).medianRun).toBe(runs[0]);
    expect(() => summarizeLatencyRuns([])).toThrow('no latency run completed');
  });

  it('repeats the latency test three times unless told otherwise', () => {
    expect(parseBenchOptions(['--quick']).latencyRepeats).toBe(3);
    expect(parseBenchOptions(['--latency-repeats=1']).latencyRepeats).toBe(1);
  });
});
