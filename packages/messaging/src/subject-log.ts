import { Header } from '@lap/contracts';
import { JetStreamApiCodes, type StoredMsg } from '@nats-io/jetstream';
import { encodeJson } from './json-codec';
import type { NatsClient } from './nats-client';
import { readSubjectSince } from './history-reader';
import { fromNatsHeaders } from './nats-headers';
import { isTransientNatsError, jetStreamApiCode } from './transient-errors';

/** How often `countThrough` counts a subject that keeps growing before it gives up. */
const COUNT_ATTEMPTS = 5;

/** NATS's default `max_payload`. */
const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Names the process that appended a record (see `SubjectLogOptions.writerId`). */
export const WRITER_HEADER = Header.Writer;

/** A publish was refused because another writer got there first: this writer has lost the subject. */
export class FencedError extends Error {
  constructor(
    readonly subject: string,
    readonly expectedSeq: number,
  ) {
    super(
      `publish to ${subject} refused: the subject moved past sequence ${expectedSeq} (another writer owns it)`,
    );
    this.name = 'FencedError';
  }
}

export interface AppendOptions {
  /** Deterministic id: re-appending the same record inside the duplicate window stores nothing. */
  msgId: string;
  /** Fencing: the append only lands if the subject's last sequence is still this (0: empty subject). */
  expectLastSubjectSeq?: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface Appended {
  seq: number;
  duplicate: boolean;
}

export interface SubjectLogOptions {
  /**
   * Set by a subject's exclusive writer (one runner per session): every record it appends names it in the
   * `Lap-Writer` header, and a fenced append that JetStream answers "duplicate" with a record *another*
   * writer stored past this writer's expected sequence is refused with FencedError. JetStream alone would
   * answer it as a plain duplicate, letting a stale writer shadow the new one record by record.
   */
  writerId?: string;
  /**
   * How long one append keeps retrying while NATS is away (timeouts, no responders, a reconnect). Safe:
   * a repeated append carries the same message id, so one that did land is answered "duplicate".
   */
  retryForMs?: number;
  /**
   * How long one publish attempt waits for JetStream's answer (default 10 s). A publish caught by a
   * reconnect is never answered, so with `retryForMs` a short attempt gets a stalled append going again.
   */
  attemptTimeoutMs?: number;
}

export interface StoredRecord<T> {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  data: T;
  time: Date;
}

/**
 * Appends to and reads from per-subject logs in a JetStream stream (one subject per session).
 * Fenced appends are what make "one writer per subject" hold without a lock service.
 */
export class SubjectLog {
  constructor(
    private readonly nats: NatsClient,
    readonly stream: string,
    private readonly options: SubjectLogOptions = {},
  ) {}

  async append(subject: string, record: unknown, options: AppendOptions): Promise<Appended> {
    return this.appendEncoded(subject, encodeJson(record), options);
  }

  async appendEncoded(subject: string, payload: Uint8Array, options: AppendOptions): Promise<Appended> {
    const headers = this.options.writerId
      ? { ...options.headers, [WRITER_HEADER]: this.options.writerId }
      : options.headers;
    const giveUpAt = Date.now() + (this.options.retryForMs ?? 0);
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.nats.publisher.publish(subject, payload, {
          msgId: options.msgId,
          expectLastSubjectSeq: options.expectLastSubjectSeq,
          headers,
          timeoutMs: options.timeoutMs ?? this.options.attemptTimeoutMs ?? 10_000,
        });
        if (ack.duplicate) await this.checkDuplicateIsOurs(subject, ack.seq, options.expectLastSubjectSeq);
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (error) {
        if (isWrongLastSequence(error)) throw new FencedError(subject, options.expectLastSubjectSeq ?? -1);
        if (!isTransientNatsError(error) || Date.now() >= giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  /**
   * A duplicate at or before the expected sequence is history this writer already knows (a resumed
   * stream re-sends it); past it, the record is either this writer's own earlier attempt (its ack was
   * lost) or the work of the writer that took the subject over.
   */
  private async checkDuplicateIsOurs(subject: string, seq: number, expectedSeq?: number): Promise<void> {
    const { writerId } = this.options;
    if (!writerId || expectedSeq === undefined || seq <= expectedSeq) return;
    const stored = await this.nats.jsm.streams.getMessage(this.stream, { seq });
    if (stored?.header?.get(WRITER_HEADER) !== writerId) throw new FencedError(subject, expectedSeq);
  }

  /** The largest message the server takes, headers included (what NATS announced; 1 MiB until it has). */
  maxPayloadBytes(): number {
    return this.nats.connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /**
   * How many records the stream holds on a subject up to stream sequence `seq` (those aged out or
   * deleted are not counted): all of them, less those after `seq`, walked one by one. Records appended
   * meanwhile change the total: then it is counted again.
   */
  async countThrough(subject: string, seq: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const total = await this.countOn(subject);
      let after = 0;
      for (
        let next = await this.next(subject, seq + 1);
        next;
        next = await this.next(subject, next.seq + 1)
      ) {
        after++;
      }
      if ((await this.countOn(subject)) === total) return total - after;
      if (attempt === COUNT_ATTEMPTS) {
        throw new Error(`${subject} kept growing while its records were counted; try again`);
      }
    }
  }

  private async countOn(subject: string): Promise<number> {
    const info = await this.nats.jsm.streams.info(this.stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  /** The newest record on a subject, or null when it has none. */
  async last<T>(subject: string): Promise<StoredRecord<T> | null> {
    const message = await this.nats.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    return message ? toStoredRecord<T>(message) : null;
  }

  /** The first record on a subject at or after `seq`, or null. */
  async next<T>(subject: string, seq: number): Promise<StoredRecord<T> | null> {
    // Direct get: the plain message API of nats-server 2.9 has no next_by_subj.
    const message = await this.nats.jsm.direct.getMessage(this.stream, { next_by_subj: subject, seq });
    return message ? toStoredRecord<T>(message) : null;
  }

  /** The records of a subject stored at or after `since`, oldest first. */
  async *since<T>(subject: string, since: Date): AsyncGenerator<StoredRecord<T>> {
    const newest = await this.last<T>(subject);
    if (!newest || newest.time < since) return;
    yield* readSubjectSince<T>(this.nats.js, this.stream, subject, since);
  }

  /** Deletes the record at this stream sequence; false when it was already gone. */
  async remove(seq: number): Promise<boolean> {
    try {
      return await this.nats.jsm.streams.deleteMessage(this.stream, seq, false);
    } catch (error) {
      if (isNoMessageFound(error)) return false;
      throw error;
    }
  }

  /** The record stored at exactly this stream sequence, or null. */
  async at<T>(seq: number): Promise<StoredRecord<T> | null> {
    const message = await this.nats.jsm.streams.getMessage(this.stream, { seq });
    return message ? toStoredRecord<T>(message) : null;
  }
}

export function toStoredRecord<T>(message: StoredMsg): StoredRecord<T> {
  return {
    seq: message.seq,
    subject: message.subject,
    headers: fromNatsHeaders(message.header),
    data: message.json<T>(),
    time: message.time,
  };
}

/**
 * A delete of a message that is not there. nats-server 2.9 answers "no message found" (10057, a failed
 * delete) or, for the stream's last sequence, "sequence N not found" (10043).
 */
function isNoMessageFound(error: unknown): boolean {
  const apiCode = jetStreamApiCode(error);
  return apiCode !== undefined && MISSING_MESSAGE_CODES.has(apiCode);
}

const MISSING_MESSAGE_CODES = new Set([JetStreamApiCodes.NoMessageFound, 10043, 10057]);

function isWrongLastSequence(error: unknown): boolean {
  const code = (error as { code?: number })?.code;
  const apiCode = jetStreamApiCode(error);
  return (
    apiCode === JetStreamApiCodes.StreamWrongLastSequence ||
    code === JetStreamApiCodes.StreamWrongLastSequence ||
    /wrong last sequence/i.test(String((error as Error)?.message))
  );
}
