import { serverTimeMs } from './server-time';

describe('a NATS server time in milliseconds', () => {
  it('keeps the part of a millisecond that Date.parse drops', () => {
    const whole = Date.parse('2026-11-30T07:04:05.123Z');
    expect(serverTimeMs('2026-11-30T07:04:05.123456789Z')).toBeCloseTo(whole + 0.456789, 4);
    // A message stored 0.2 ms before the consumer was made, in the same millisecond, reads as before it
    // (by Date.parse, after it).
    const storedAtMs = whole + 0.3;
    expect(storedAtMs <= serverTimeMs('2026-11-30T07:04:05.123500Z')).toBe(true);
    expect(storedAtMs <= Date.parse('2026-11-30T07:04:05.123500Z')).toBe(false);
  });

  it('reads times with a shorter fraction, none, or an offset', () => {
    expect(serverTimeMs('2026-11-30T07:04:05.5Z')).toBe(Date.parse('2026-11-30T07:04:05Z') + 500);
    expect(serverTimeMs('2026-11-30T07:04:05Z')).toBe(Date.parse('2026-11-30T07:04:05Z'));
    expect(serverTimeMs('2026-11-30T08:04:05.25+01:00')).toBe(Date.parse('2026-11-30T07:04:05.250Z'));
  });

  it('is NaN for a time it cannot read', () => {
    expect(serverTimeMs('not a time')).toBeNaN();
    expect(serverTimeMs('')).toBeNaN();
  });
});
