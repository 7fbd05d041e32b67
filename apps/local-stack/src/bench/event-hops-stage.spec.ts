import { eventsCarried, eventsInRecord } from './event-hops-stage';

describe('events per record in the event hops', () => {
  it('spreads a fractional average over the records, each holding the whole part or one more', () => {
    const counts = Array.from({ length: 100 }, (_, n) => eventsInRecord(n, 3.58));
    expect(new Set(counts)).toEqual(new Set([3, 4]));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(358);
  });

  it('counts what every session carries in all', () => {
    const load = {
      natsUrl: '',
      prefix: 'p',
      sessions: 32,
      recordsPerSession: 419,
      eventsPerRecord: 3.58,
      recordBytesPerEvent: 356,
      eventBytes: 456,
    };
    expect(eventsCarried(load)).toBe(32 * 1500);
    const perSession = Array.from({ length: 419 }, (_, n) => eventsInRecord(n, 3.58)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(perSession * 32).toBe(eventsCarried(load));
  });
});
