import { SessionQueue, type SessionQueueTiming } from './session-queue';

/** A record of a session that wrote records 1, 2, 3, … one after another. */
interface TestRecord {
  seq: number;
  /** A record taken from the log to catch up: settles like any other. */
  onCatchUp?: () => void;
}

describe('SessionQueue', () => {
  /** A session whose fold has reached `folded`: a run goes when its first record's predecessor is folded. */
  const session = (timing: SessionQueueTiming) => {
    const state = {
      folded: 0,
      runs: [] as number[][],
      handedBack: [] as number[],
      caughtUp: [] as number[],
    };
    const queue = new SessionQueue<TestRecord>(
      {
        follows: (record, previous) => record.seq === previous.seq + 1,
        attempt: async (run) => {
          state.runs.push(run.map((record) => record.seq));
          if (run[0].seq !== state.folded + 1) return 0;
          state.folded = run[run.length - 1].seq;
          return run.length;
        },
        catchUp: async (record) => {
          state.caughtUp.push(record.seq);
          record.onCatchUp?.();
        },
        giveUp: (record) => state.handedBack.push(record.seq),
      },
      timing,
    );
    return { state, queue };
  };

  it('folds a session’s records lowest sequence first, whatever order they arrived in', async () => {
    const { state, queue } = session({ patienceMs: 1_000, catchUpAfterMs: 1_000, pollMs: 5 });
    await Promise.all([3, 1, 2, 5, 4].map((seq) => queue.run('s', { seq })));
    expect(state.folded).toBe(5);
    expect(state.handedBack).toEqual([]);
  });

  it('hands records that queued up behind a busy lane over together, as one run', async () => {
    const { state, queue } = session({ patienceMs: 1_000, catchUpAfterMs: 1_000, pollMs: 5 });
    // 1 starts at once; 2–4 arrive while it is being folded.
    await Promise.all([1, 2, 3, 4].map((seq) => queue.run('s', { seq })));
    expect(state.runs).toEqual([[1], [2, 3, 4]]);
  });

  it('ends a run where the chain breaks, and caps its length', async () => {
    const { state, queue } = session({ patienceMs: 1_000, catchUpAfterMs: 1_000, pollMs: 5, maxRun: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((seq) => queue.run('s', { seq })));
    expect(state.runs).toEqual([[1], [2, 3], [4, 5]]);

    const gap = session({ patienceMs: 1_000, catchUpAfterMs: 1_000, pollMs: 5 });
    const late = [1, 2, 4].map((seq) => gap.queue.run('s', { seq }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([...late, gap.queue.run('s', { seq: 3 })]);
    expect(gap.state.runs.slice(0, 2)).toEqual([[1], [2]]);
    expect(gap.state.folded).toBe(4);
  });

  it('lets a record wait for a predecessor that arrives later instead of handing it back', async () => {
    const { state, queue } = session({ patienceMs: 1_000, catchUpAfterMs: 1_000, pollMs: 5 });
    const early = queue.run('s', { seq: 2 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await Promise.all([queue.run('s', { seq: 1 }), early]);
    expect(state.folded).toBe(2);
    expect(state.handedBack).toEqual([]);
  });

  it('hands a record back once it waited past its patience', async () => {
    const { state, queue } = session({ patienceMs: 50, catchUpAfterMs: 1_000, pollMs: 5 });
    await queue.run('s', { seq: 7 });
    expect(state.handedBack).toEqual([7]);
  });

  it('brings a waiting record’s predecessors in another way after a short wait, once', async () => {
    const { state, queue } = session({ patienceMs: 200, catchUpAfterMs: 20, pollMs: 5 });
    await queue.run('s', { seq: 3, onCatchUp: () => (state.folded = 2) });
    expect(state).toMatchObject({ folded: 3, caughtUp: [3], handedBack: [] });
  });

  it('rejects the records of a run whose attempt failed, and goes on with the next ones', async () => {
    let calls = 0;
    const queue = new SessionQueue<TestRecord>(
      {
        follows: () => false,
        attempt: async (run) => {
          if (calls++ === 0) throw new Error('NATS said no');
          return run.length;
        },
        catchUp: async () => undefined,
        giveUp: () => undefined,
      },
      { patienceMs: 100, catchUpAfterMs: 50 },
    );
    const first = queue.run('s', { seq: 1 });
    const second = queue.run('s', { seq: 2 });
    await expect(first).rejects.toThrow('NATS said no');
    await expect(second).resolves.toBeUndefined();
  });

  it('keeps sessions apart: one waiting does not hold up another', async () => {
    const folded = new Map<number, number>();
    const handedBack: number[] = [];
    // Record seq 9 belongs to a session that has folded nothing; seq 1 to another.
    const queue = new SessionQueue<TestRecord>(
      {
        follows: () => false,
        attempt: async ([record]) => {
          if (record.seq !== 1) return 0;
          folded.set(record.seq, Date.now());
          return 1;
        },
        catchUp: async () => undefined,
        giveUp: (record) => handedBack.push(record.seq),
      },
      { patienceMs: 200, catchUpAfterMs: 1_000, pollMs: 5 },
    );
    const waiting = queue.run('a', { seq: 9 });
    await queue.run('b', { seq: 1 });
    expect(folded.has(1)).toBe(true);
    expect(handedBack).toEqual([]);
    await waiting;
    expect(handedBack).toEqual([9]);
  });
});
