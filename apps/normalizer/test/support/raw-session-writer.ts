import { Header, type NatsNames, type RawRecord } from '@lap/contracts';
import { SubjectLog, type NatsClient } from '@lap/messaging';

/** One message the writer put on the session's raw subject; `record` is null for a body that is not one. */
export interface WrittenRawRecord {
  seq: number;
  record: RawRecord | null;
}

export interface RawBodyOptions {
  /** Leave out `Lap-Prev-Seq` (a faulty or foreign writer). */
  withoutPrevSeq?: boolean;
  /** `Lap-Prev-Seq` naming some other sequence than the real predecessor. */
  prevSeq?: number;
  kind?: string;
}

/**
 * Writes a session's raw log the way a session runner does: fenced on the subject's last sequence,
 * with a deterministic message id and the session, predecessor and record kind in headers.
 */
export class RawSessionWriter {
  readonly written: WrittenRawRecord[] = [];
  private readonly raw: SubjectLog;

  constructor(
    client: NatsClient,
    private readonly names: NatsNames,
    readonly sessionId: string,
  ) {
    this.raw = new SubjectLog(client, names.streams.raw);
  }

  get lastSeq(): number {
    return this.written.at(-1)?.seq ?? 0;
  }

  async append(record: RawRecord): Promise<number> {
    return this.appendBody(JSON.stringify(record), record, { kind: record.kind });
  }

  async appendAll(records: RawRecord[]): Promise<void> {
    for (const record of records) await this.append(record);
  }

  /** Appends a body as is: how tests put poison (not JSON, not a record) on the log. */
  async appendRaw(body: string, options: RawBodyOptions = {}): Promise<number> {
    return this.appendBody(body, null, options);
  }

  private async appendBody(body: string, record: RawRecord | null, options: RawBodyOptions): Promise<number> {
    const headers: Record<string, string> = { [Header.SessionId]: this.sessionId };
    if (!options.withoutPrevSeq) headers[Header.PrevSeq] = String(options.prevSeq ?? this.lastSeq);
    if (options.kind) headers[Header.RecordKind] = options.kind;
    const { seq } = await this.raw.appendEncoded(
      this.names.raw(this.sessionId),
      new TextEncoder().encode(body),
      {
        msgId: `${this.sessionId}:raw:${this.written.length}`,
        expectLastSubjectSeq: this.lastSeq,
        headers,
      },
    );
    this.written.push({ seq, record });
    return seq;
  }
}
