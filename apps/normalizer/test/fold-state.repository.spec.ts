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
    expect(await states.load(sessionId)).toEqual({ state: initialFoldState(), revision: null });

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

    expect(await states.load(sessionId)).toEqual({
      state: { ...initialFoldState(), lastRawSeq: 5 },
      revision: secondRevision,
    });
  });
});
