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

  it('derives the same event ids in every release: a record folded again after an upgrade is recognized', () => {
    expect(eventId('sesn_a', 7, 0)).toBe('sevt_dhed7nm9x9hgj1a4vh27x3r2ff');
    const session = 'sesn_01jx0000000000000000000000';
    expect(eventId(session, 12345, 0)).toBe('sevt_vhzfathdygs896aa9dyw9tb8an');
    expect(eventId(session, 12345, 7)).toBe('sevt_vjm2hqeywc4a58v1684h60pmjm');
  });
});
