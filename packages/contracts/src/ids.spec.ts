import { eventId, isId, newAgentId, newSessionId } from './ids';

describe('ids', () => {
  it('sorts session ids by creation time, even within one millisecond', () => {
    const ids = [
      newSessionId(1_700_000_000_000),
      newSessionId(1_700_000_000_000),
      newSessionId(1_700_000_000_001),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(isId('session', id)).toBe(true);
  });

  it('prefixes agent ids', () => {
    expect(isId('agent', newAgentId())).toBe(true);
  });

  it('derives event ids deterministically from session, raw sequence and position', () => {
    expect(eventId('sesn_a', 7, 0)).toBe(eventId('sesn_a', 7, 0));
    expect(eventId('sesn_a', 7, 0)).not.toBe(eventId('sesn_a', 7, 1));
    expect(eventId('sesn_a', 7, 0)).not.toBe(eventId('sesn_b', 7, 0));
    expect(isId('event', eventId('sesn_a', 7, 0))).toBe(true);
  });
});
