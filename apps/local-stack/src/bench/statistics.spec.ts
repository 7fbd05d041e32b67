import { parseBenchOptions } from './bench-options';
import { summarizeRuns, type Distribution } from './statistics';

const runWith = (p50: number, p99: number): { delayMs: Distribution } => ({
  delayMs: { count: 100, p50, p99, max: p99 + 1 },
});

describe('repeated timing runs', () => {
  it('reports the median p50 and p99 over the runs, and details the run with the median p99', () => {
    const runs = [runWith(7, 540), runWith(4, 60), runWith(5, 90)];
    const summary = summarizeRuns('fan-out', runs, (run) => run.delayMs);
    expect(summary.medianP50Ms).toBe(5);
    expect(summary.medianP99Ms).toBe(90);
    expect(summary.medianRun).toBe(runs[2]);
  });

  it('counts a run that measured nothing as the slowest, so it cannot make the median look better', () => {
    const empty = { delayMs: { count: 0, p50: null, p99: null, max: null } };
    const summary = summarizeRuns('fan-out', [empty, runWith(10, 49), runWith(12, 61)], (run) => run.delayMs);
    expect(summary.medianP99Ms).toBe(61);
    expect(summary.medianP50Ms).toBe(12);
    expect(summary.medianRun.delayMs.max).toBe(62);
    const none = summarizeRuns('fan-out', [empty, empty, runWith(10, 49)], (run) => run.delayMs);
    expect(none).toMatchObject({ medianP50Ms: null, medianP99Ms: null, medianRun: empty });
  });

  it('takes the lower middle run when the count is even, and refuses none', () => {
    const runs = [runWith(3, 30), runWith(9, 900)];
    expect(summarizeRuns('fan-out', runs, (run) => run.delayMs).medianRun).toBe(runs[0]);
    expect(() => summarizeRuns('latency', [], (run: { delayMs: Distribution }) => run.delayMs)).toThrow(
      'no latency run completed',
    );
  });

  it('repeats the latency test and each fan-out point three times unless told otherwise', () => {
    expect(parseBenchOptions(['--quick'])).toMatchObject({ latencyRepeats: 3, fanoutRepeats: 3 });
    expect(parseBenchOptions([])).toMatchObject({ latencyRepeats: 3, fanoutRepeats: 3 });
    expect(parseBenchOptions(['--latency-repeats=1', '--fanout-repeats=2'])).toMatchObject({
      latencyRepeats: 1,
      fanoutRepeats: 2,
    });
    expect(() => parseBenchOptions(['--fanout-repeats=0'])).toThrow('--fanout-repeats expects at least 1');
    expect(() => parseBenchOptions(['--latency-repeats=0'])).toThrow('--latency-repeats expects at least 1');
  });
});
