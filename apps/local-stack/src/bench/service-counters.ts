import type { BenchContext } from './bench-context';

/**
 * The counters (`<prefix><name>_total` on `/metrics`) of every replica of an app, summed by name.
 * The normalizer's: `ahead` (a record handed back because its predecessor was not folded yet), fenced
 * publishes and fold-state conflicts are work done for nothing, the cost of several replicas sharing
 * one consumer. The gateway projection's: events read back are events delivered to the gateway twice.
 */
async function serviceCounters(
  ctx: BenchContext,
  app: 'normalizer' | 'gateway',
  prefix: string,
): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const service of ctx.stack.services.filter((s) => s.spec.app === app)) {
    const url = service.spec.readyUrl.replace(/\/readyz$/, '/metrics');
    const text = await fetch(url, { signal: AbortSignal.timeout(10_000) })
      .then((response) => response.text())
      .catch(() => '');
    for (const [, name, value] of text.matchAll(new RegExp(`^${prefix}(\\w+)_total (\\d+)`, 'gm'))) {
      totals[name] = (totals[name] ?? 0) + Number(value);
    }
  }
  return totals;
}

export const normalizerCounters = (ctx: BenchContext) => serviceCounters(ctx, 'normalizer', 'normalizer_');
export const projectionCounters = (ctx: BenchContext) =>
  serviceCounters(ctx, 'gateway', 'gateway_projection_');

/** Counters grown between two readings (the bench reads them before and after a measurement). */
export function countersSince(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) out[name] = value - (before[name] ?? 0);
  return out;
}
