/**
 * A NATS server time (RFC 3339, with up to nine digits of fraction) in epoch milliseconds, the
 * fraction kept: `Date.parse` drops everything under a millisecond, so a message stored in the same
 * millisecond as, and before, a consumer was made would read as stored after it. NaN when unreadable.
 */
export function serverTimeMs(time: string): number {
  const fraction = /\.(\d+)/.exec(time);
  if (!fraction) return Date.parse(time);
  return Date.parse(time.replace(fraction[0], '')) + Number(`0.${fraction[1]}`) * 1000;
}
