import { JetStreamApiCodes } from '@nats-io/jetstream';
import type { NatsNames } from '@lap/contracts';
import { decodeJson, encodeJson, openBucket, type KV, type NatsClient } from '@lap/messaging';
import { initialFoldState, type FoldState } from '../fold';

/** A session's fold state and the KV revision it was read at (null: the session has no entry yet). */
export interface StoredFoldState {
  state: FoldState;
  revision: number | null;
}

/** A loaded fold state, and whether it came from this process's memory rather than the bucket. */
export interface LoadedFoldState extends StoredFoldState {
  fromMemory: boolean;
}

/** Another writer saved the session's fold state since it was read: re-read it and try again. */
export class FoldStateConflictError extends Error {
  constructor(readonly sessionId: string) {
    super(`fold state of ${sessionId} was saved by another writer since it was read`);
    this.name = 'FoldStateConflictError';
  }
}

/** Sessions whose last saved state is kept in memory; the least recently used beyond it are dropped. */
const REMEMBERED_SESSIONS = 10_000;

/**
 * Per-session fold state in a JetStream KV bucket (key: session id, value: FoldState JSON). Saves are
 * compare-and-set on the revision read, so two replicas can never both advance a session from one state.
 *
 * What this process saved last is remembered, so the next record of a session it is folding costs no
 * read. A remembered state can be stale only when another replica advanced the session since: the
 * compare-and-set (or the fenced events publish) then fails, the memory is dropped, and the record is
 * retried against the bucket. Callers that find a remembered state unexpectedly behind ask for a fresh
 * one (`load(id, { fresh: true })`).
 */
export class FoldStateRepository {
  private readonly remembered = new Map<string, StoredFoldState>();

  constructor(private readonly bucket: KV) {}

  static async open(nats: NatsClient, names: NatsNames): Promise<FoldStateRepository> {
    return new FoldStateRepository(await openBucket(nats, names.buckets.fold));
  }

  async load(sessionId: string, { fresh = false } = {}): Promise<LoadedFoldState> {
    const remembered = fresh ? undefined : this.remembered.get(sessionId);
    if (remembered) {
      // Re-inserted so the Map's order stays least recently used first.
      this.remembered.delete(sessionId);
      this.remembered.set(sessionId, remembered);
      return { ...remembered, fromMemory: true };
    }
    this.remembered.delete(sessionId);
    const entry = await this.bucket.get(sessionId);
    if (!entry || entry.operation !== 'PUT') {
      return { state: initialFoldState(), revision: null, fromMemory: false };
    }
    return { state: decodeJson<FoldState>(entry.value), revision: entry.revision, fromMemory: false };
  }

  /** Saves `state` if the entry is still at `revision` (null: still absent); returns the new revision. */
  async save(sessionId: string, state: FoldState, revision: number | null): Promise<number> {
    const value = encodeJson(state);
    let saved: number;
    try {
      saved =
        revision === null
          ? await this.bucket.create(sessionId, value)
          : await this.bucket.update(sessionId, value, revision);
    } catch (error) {
      this.forget(sessionId);
      if (isRevisionMismatch(error)) throw new FoldStateConflictError(sessionId);
      throw error;
    }
    this.remember(sessionId, { state, revision: saved });
    return saved;
  }

  /** Drops what is remembered of the session: its next load reads the bucket. */
  forget(sessionId: string): void {
    this.remembered.delete(sessionId);
  }

  private remember(sessionId: string, stored: StoredFoldState): void {
    this.remembered.delete(sessionId);
    this.remembered.set(sessionId, stored);
    if (this.remembered.size > REMEMBERED_SESSIONS) {
      this.remembered.delete(this.remembered.keys().next().value!);
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
