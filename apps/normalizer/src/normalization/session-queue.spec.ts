import { SessionQueue, type QueuedRecord } from './session-queue';

describe('SessionQueue', () => {
  /** A session whose fold has reached `folded`: a record goes when its predecessor is folded. */
  const session = () => {
    const state = { folded: 0, tried: [] as number[], handedBack: [] as number[], caughtUp: [] as number[] };
    const record = (seq: number): QueuedRecord => ({
      seq,
      attempt: async () => {
        state.tried.push(seq);
        if (seq !== state.folded + 1) return false;
        state.folded = seq;
        return true;
      },
      catchUp: async () => {
        state.caughtUp.push(seq);
      },
      giveUp: () => state.handedBack.push(seq),
    });
    return { state, record };
  };

  it('folds a session’s records lowest sequence first, whatever order they arrived in', async () => {
    const queue = new SessionQueue(1_000, 1_000, 5);
    const { state, record } = session();
    await Promise.all([3, 1, 2, 5, 4].map((seq) => queue.run('s', record(seq))));
    expect(state.folded).toBe(5);
    expect(state.handedBack).toEqual([]);
  });

  it('lets a record wait for a predecessor that arrives later instead of handing it back', async () => {
    const queue = new SessionQueue(1_000, 1_000, 5);
    const { state, record } = session();
    const early = queue.run('s', record(2));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await Promise.all([queue.run('s', record(1)), early]);
    expect(state.folded).toBe(2);
    expect(state.handedBack).toEqual([]);
  });

  it('hands a record back once it waited past its patience', async () => {
    const queue = new SessionQueue(50, 1_000, 5);
    const { state, record } = session();
    await queue.run('s', record(7));
    expect(state.handedBack).toEqual([7]);
  });

  it('brings a waiting record’s predecessors in another way after a short wait, once', async () => {
    const queue = new SessionQueue(200, 20, 5);
    const { state, record } = session();
    const late = record(3);
    await queue.run('s', {
      ...late,
      catchUp: async () => {
        state.caughtUp.push(3);
        state.folded = 2;
      },
    });
    expect(state).toMatchObject({ folded: 3, caughtUp: [3], handedBack: [] });
  });

  it('keeps sessions apart: one waiting does not hold up another', async () => {
    const queue = new SessionQueue(200, 1_000, 5);
    const a = session();
    const b = session();
    const waiting = queue.run('a', a.record(9));
    await queue.run('b', b.record(1));
    expect(b.state.folded).toBe(1);
    expect(a.state.handedBack).toEqual([]);
    await waiting;
    expect(a.state.handedBack).toEqual([9]);
  });
});
