import { percentileOfSorted } from './statistics';

export interface TimeWindow {
  from: number;
  to: number;
}

export interface SaturationWindows {
  /** The 10th to the 90th percentile of event arrivals: where the headline rate is measured. */
  whole: TimeWindow;
  /**
   * The part of `whole` before the upstream (emulator and runner) was done, its last raw record
   * stored: every stage at work. Null when the upstream was done before `whole` began.
   */
  upstreamAtWork: TimeWindow | null;
}

/**
 * Where a throughput run is priced. The emulator and the runner usually get ahead: the normalizer and
 * the gateway then go on draining a backlog with both cores to themselves, which says what they can
 * drain rather than what the whole pipeline carries with every stage at work, so that part is priced
 * on its own as well.
 */
export function saturationWindows(
  sortedArrivals: readonly number[],
  upstreamDoneAtMs: number | undefined,
  fallback: TimeWindow,
): SaturationWindows {
  const from = percentileOfSorted(sortedArrivals, 10) ?? fallback.from;
  const to = percentileOfSorted(sortedArrivals, 90) ?? fallback.to;
  const upstreamAtWork =
    upstreamDoneAtMs === undefined
      ? { from, to }
      : upstreamDoneAtMs > from
        ? { from, to: Math.min(to, upstreamDoneAtMs) }
        : null;
  return { whole: { from, to }, upstreamAtWork };
}

/** Arrivals per second within `window` (0 for an empty window). */
export function arrivalsPerSecond(sortedArrivals: readonly number[], { from, to }: TimeWindow): number {
  if (to <= from) return 0;
  return sortedArrivals.filter((ms) => ms >= from && ms <= to).length / ((to - from) / 1000);
}
