/** Order statistics over a sample: what every latency figure of the bench is reported as. */
export interface Distribution {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentile of an ascending-sorted sample. */
export function percentileOfSorted(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function distributionOf(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

export function median(values: readonly number[]): number | null {
  return percentileOfSorted(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** A timing measured several times: the median of each figure over the runs, and the median run. */
export interface RepeatedRuns<T> {
  runs: T[];
  /** Median over the runs of each run's p50, and of each run's p99. */
  medianP50Ms: number | null;
  medianP99Ms: number | null;
  /** The run whose p99 is the median one (the lower middle of an even count): the one detailed. */
  medianRun: T;
}

/** Sums up repeated runs of the timing `what`, whose figures `distribution` picks from each run. */
export function summarizeRuns<T>(
  what: string,
  runs: T[],
  distribution: (run: T) => Distribution,
): RepeatedRuns<T> {
  if (runs.length === 0) throw new Error(`no ${what} run completed`);
  // A run that measured nothing counts as the slowest, never as a run left out.
  const orWorst = (value: number | null) => value ?? Infinity;
  const byP99 = [...runs].sort((a, b) => orWorst(distribution(a).p99) - orWorst(distribution(b).p99));
  const medianRun = byP99[Math.floor((byP99.length - 1) / 2)];
  const medianP50 = median(runs.map((run) => orWorst(distribution(run).p50)));
  return {
    runs,
    medianP50Ms: medianP50 === Infinity ? null : medianP50,
    medianP99Ms: distribution(medianRun).p99,
    medianRun,
  };
}

/** Rounds for display and JSON: enough digits for milliseconds and rates without float noise. */
export function round(value: number | null | undefined, digits = 2): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
