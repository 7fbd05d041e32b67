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

  describe('saveSoon', () => {
    const bucketState = async (sessionId: string) => {
      const reader = await FoldStateRepository.open(nats.client, nats.names);
      return reader.load(sessionId);
    };

    it('writes a busy session once for several states, the newest, and answers loads with it meanwhile', async () => {
      // A delay no test run outlasts, so the bucket is surely unwritten until the flush.
      const patient = await FoldStateRepository.open(nats.client, nats.names, { saveDelayMs: 600_000 });
      const sessionId = newSessionId();
      const writes = jest.spyOn(patient, 'save');
      let loaded = await patient.load(sessionId);
      const saves: Promise<void>[] = [];
      for (const lastRawSeq of [1, 2, 3]) {
        saves.push(patient.saveSoon(sessionId, { ...initialFoldState(), lastRawSeq }, loaded));
        loaded = await patient.load(sessionId);
        expect(loaded).toMatchObject({ state: { lastRawSeq }, fromMemory: true });
      }
      expect((await bucketState(sessionId)).revision).toBeNull();

      await patient.flush(sessionId);
      await Promise.all(saves);
      expect(writes).toHaveBeenCalledTimes(1);
      const written = await bucketState(sessionId);
      expect(written.state.lastRawSeq).toBe(3);
      expect(await patient.load(sessionId)).toEqual({ ...written, fromMemory: true });
    });

    it('writes a waiting state by itself once the delay is over', async () => {
      const sessionId = newSessionId();
      await states.saveSoon(
        sessionId,
        { ...initialFoldState(), lastRawSeq: 9 },
        await states.load(sessionId),
      );
      expect((await bucketState(sessionId)).state.lastRawSeq).toBe(9);
    });

    it('answers loads with the state being written, and writes what is folded on it after', async () => {
      const sessionId = newSessionId();
      await states.save(sessionId, { ...initialFoldState(), lastRawSeq: 1 }, null);
      const first = states.saveSoon(
        sessionId,
        { ...initialFoldState(), lastRawSeq: 2 },
        await states.load(sessionId),
      );
      const writing = states.flush(sessionId);
      // The write of lastRawSeq 2 is in flight: the next run must fold on it, not on the state before.
      const loaded = await states.load(sessionId);
      expect(loaded).toMatchObject({ state: { lastRawSeq: 2 }, fromMemory: true });
      const second = states.saveSoon(sessionId, { ...initialFoldState(), lastRawSeq: 3 }, loaded);
      expect(states.written(sessionId)).toBeDefined();
      await Promise.all([writing, first, second]);
      expect(states.written(sessionId)).toBeUndefined();
      expect((await bucketState(sessionId)).state.lastRawSeq).toBe(3);
    });

    it('fails a state and every state folded on it when another writer moved on; the next load reads the bucket', async () => {
      const sessionId = newSessionId();
      const first = await states.save(sessionId, { ...initialFoldState(), lastRawSeq: 1 }, null);
      const rival = await FoldStateRepository.open(nats.client, nats.names);
      await rival.save(sessionId, { ...initialFoldState(), lastRawSeq: 7 }, first);

      const second = states.saveSoon(
        sessionId,
        { ...initialFoldState(), lastRawSeq: 2 },
        await states.load(sessionId),
      );
      const third = states.saveSoon(
        sessionId,
        { ...initialFoldState(), lastRawSeq: 3 },
        await states.load(sessionId),
      );
      await expect(second).rejects.toBeInstanceOf(FoldStateConflictError);
      await expect(third).rejects.toBeInstanceOf(FoldStateConflictError);
      expect(await states.load(sessionId)).toMatchObject({ state: { lastRawSeq: 7 }, fromMemory: false });
    });

    it('writes the waiting state before a load goes to the bucket', async () => {
      const sessionId = newSessionId();
      const saved = states.saveSoon(
        sessionId,
        { ...initialFoldState(), lastRawSeq: 4 },
        await states.load(sessionId),
      );
      expect(await states.load(sessionId, { fresh: true })).toMatchObject({
        state: { lastRawSeq: 4 },
        fromMemory: false,
      });
      await expect(saved).resolves.toBeUndefined();
    });
  });
});
