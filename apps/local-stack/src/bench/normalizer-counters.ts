import type { BenchContext } from './bench-context';

/**
 * The normalizer replicas' own counters (`/metrics`), summed: `ahead` (a record handed back because its
 * predecessor was not folded yet), fenced publishes and fold-state conflicts are work done for nothing,
 * the cost of several replicas sharing one consumer.
 */
export async function normalizerCounters(ctx: BenchContext): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const service of ctx.stack.services.filter((s) => s.spec.app === 'normalizer')) {
    const url = service.spec.readyUrl.replace(/\/readyz$/, '/metrics');
    const text = await fetch(url, { signal: AbortSignal.timeout(10_000) })
      .then((response) => response.text())
      .catch(() => '');
    for (const [, name, value] of text.matchAll(/^normalizer_(\w+)_total (\d+)/gm)) {
      totals[name] = (totals[name] ?? 0) + Number(value);
    }
  }
  return totals;
}

/** Counters grown between two readings (the bench reads them before and after a measurement). */
export function countersSince(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) out[name] = value - (before[name] ?? 0);
  return out;
}
