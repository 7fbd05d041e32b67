import { newSessionId } from '@lap/contracts';
import { createTestNats, type TestNats } from '@lap/testing';
import { initialFoldState } from '../src/fold';
import { FoldStateConflictError, FoldStateRepository } from '../src/normalization/fold-state.repository';

describe('FoldStateRepository (real NATS KV)', () => {
  let nats: TestNats;
  let states: FoldStateRepository;

  beforeAll(async () => {
    nats = await createTestNats('normkv');
    states = await FoldStateRepository.open(nats.client, nats.names);
  });
  afterAll(() => nats.cleanup());

  it('starts a session from the initial state and saves only over the revision it read', async () => {
    const sessionId = newSessionId();
    expect(await states.load(sessionId)).toEqual({
      state: initialFoldState(),
      revision: null,
      fromMemory: false,
    });

    const firstRevision = await states.save(sessionId, { ...initialFoldState(), lastRawSeq: 3 }, null);
    await expect(
      states.save(sessionId, { ...initialFoldState(), lastRawSeq: 4 }, null),
    ).rejects.toBeInstanceOf(FoldStateConflictError);

    const secondRevision = await states.save(
      sessionId,
      { ...initialFoldState(), lastRawSeq: 5 },
      firstRevision,
    );
    await expect(
      states.save(sessionId, { ...initialFoldState(), lastRawSeq: 6 }, firstRevision),
    ).rejects.toBeInstanceOf(FoldStateConflictError);

    // The failed save dropped what was remembered: this load reads the bucket.
    expect(await states.load(sessionId)).toEqual({
      state: { ...initialFoldState(), lastRawSeq: 5 },
      revision: secondRevision,
      fromMemory: false,
    });
  });

  it('remembers what it saved, and finds out from the compare-and-set when another writer moved on', async () => {
    const sessionId = newSessionId();
    const rival = await FoldStateRepository.open(nats.client, nats.names);
    const mine = await states.save(sessionId, { ...initialFoldState(), lastRawSeq: 10 }, null);
    expect(await states.load(sessionId)).toEqual({
      state: { ...initialFoldState(), lastRawSeq: 10 },
      revision: mine,
      fromMemory: true,
    });

    // Another replica folds the session further; this one still remembers its own save.
    const theirs = await rival.save(sessionId, { ...initialFoldState(), lastRawSeq: 12 }, mine);
    expect(await states.load(sessionId)).toMatchObject({ state: { lastRawSeq: 10 }, fromMemory: true });
    expect(await states.load(sessionId, { fresh: true })).toMatchObject({
      state: { lastRawSeq: 12 },
      revision: theirs,
      fromMemory: false,
    });

    // Saving over a stale memory fails, and drops it: the next load sees the bucket.
    const mineAgain = await states.save(sessionId, { ...initialFoldState(), lastRawSeq: 13 }, theirs);
    await rival.save(sessionId, { ...initialFoldState(), lastRawSeq: 14 }, mineAgain);
    await expect(
      states.save(sessionId, { ...initialFoldState(), lastRawSeq: 15 }, mineAgain),
    ).rejects.toBeInstanceOf(FoldStateConflictError);
    expect(await states.load(sessionId)).toMatchObject({ state: { lastRawSeq: 14 }, fromMemory: false });
  });
});
