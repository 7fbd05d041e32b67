import { ParkedSessions } from './parked-sessions';

const at = (...seqs: number[]) => seqs.map((seq) => ({ seq }));

describe('ParkedSessions', () => {
  it('keeps each session apart, in the order set aside, and counts every event', () => {
    const parked = new ParkedSessions<{ seq: number }>();
    parked.add('a', at(3, 5), 0, 1_000);
    parked.add('b', at(4), 0, 2_000);
    parked.add('a', at(7), 500, 4_000);
    expect(parked.count).toBe(4);
    expect(parked.firstSeq()).toBe(3);
    // 'a' keeps the pause it was set aside with; what joined it later does not move it.
    expect(parked.takeDue(999)).toBeUndefined();
    expect(parked.takeDue(1_000)).toEqual({ sessionId: 'a', events: at(3, 5, 7), retryMs: 1_000 });
    expect(parked.count).toBe(1);
    expect(parked.has('a')).toBe(false);
    expect(parked.firstSeq()).toBe(4);
  });

  it('tells when the next session is due, and nothing when none is set aside', () => {
    const parked = new ParkedSessions<{ seq: number }>();
    expect(parked.nextDueIn(0)).toBeUndefined();
    expect(parked.firstSeq()).toBe(Number.POSITIVE_INFINITY);
    parked.add('a', at(1), 100, 1_000);
    parked.add('b', at(2), 100, 300);
    expect(parked.nextDueIn(150)).toBe(250);
    expect(parked.nextDueIn(10_000)).toBe(0);
    parked.clear();
    expect(parked.count).toBe(0);
    expect(parked.nextDueIn(0)).toBeUndefined();
  });
});
