import { JetStreamApiCodes } from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import { decodeJson, encodeJson, openBucket, type KV, type NatsClient } from '@lap/messaging';
import { initialFoldState, type FoldState } from '../fold';

/** A session's fold state and the KV revision it was read at (null: the session has no entry yet). */
export interface StoredFoldState {
  state: FoldState;
  revision: number | null;
}

/** Another writer saved the session's fold state since it was read: re-read it and try again. */
export class FoldStateConflictError extends Error {
  constructor(readonly sessionId: string) {
    super(`fold state of ${sessionId} was saved by another writer since it was read`);
    this.name = 'FoldStateConflictError';
  }
}

/**
 * Per-session fold state in a JetStream KV bucket (key: session id, value: FoldState JSON). Saves are
 * compare-and-set on the revision read, so two replicas can never both advance a session from one state.
 */
export class FoldStateRepository {
  constructor(private readonly bucket: KV) {}

  static async open(nats: NatsClient, names: NatsNames): Promise<FoldStateRepository> {
    return new FoldStateRepository(await openBucket(nats, names.buckets.fold));
  }

  async load(sessionId: string): Promise<StoredFoldState> {
    const entry = await this.bucket.get(sessionId);
    if (!entry || entry.operation !== 'PUT') return { state: initialFoldState(), revision: null };
    return { state: decodeJson<FoldState>(entry.value), revision: entry.revision };
  }

  /** Saves `state` if the entry is still at `revision` (null: still absent); returns the new revision. */
  async save(sessionId: string, state: FoldState, revision: number | null): Promise<number> {
    const value = encodeJson(state);
    try {
      return revision === null
        ? await this.bucket.create(sessionId, value)
        : await this.bucket.update(sessionId, value, revision);
    } catch (error) {
      if (isRevisionMismatch(error)) throw new FoldStateConflictError(sessionId);
      throw error;
    }
  }
}

// Read by shape, not `instanceof`: a second copy of the client library would defeat a class check.
function isRevisionMismatch(error: unknown): boolean {
  const code = (error as { apiError?: () => { err_code?: number } })?.apiError?.()?.err_code;
  return (
    code === JetStreamApiCodes.StreamWrongLastSequence ||
    code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
  );
}
