import type { RawRecord, SessionEvent } from '@lap/contracts';
import { decodeJson, openBucket, readSubjectRange, SubjectLog, type KV } from '@lap/messaging';
import { waitFor } from '@lap/testing';
import type { InProcessPlatform } from './in-process-platform';
import { readSse } from './sse-reader';

/**
 * Drives sessions through the gateway's HTTP API the way a client does, and reads what the platform
 * recorded (raw log, event log, fold state) to tell when a session has come to rest.
 */
export class SessionDriver {
  private readonly commands: SubjectLog;
  private readonly raw: SubjectLog;
  private readonly events: SubjectLog;
  private foldBucket?: KV;

  constructor(private readonly platform: InProcessPlatform) {
    const { client, names } = platform.nats;
    this.commands = new SubjectLog(client, names.streams.commands);
    this.raw = new SubjectLog(client, names.streams.raw);
    this.events = new SubjectLog(client, names.streams.events);
  }

  api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.platform.gatewayUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${this.platform.masterKey}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.api(path, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async putCredentials(apiKey: string, apiBase: string): Promise<void> {
    await this.json('/api/agent-runtimes/cursor/credentials', {
      method: 'PUT',
      body: JSON.stringify({ api_key: apiKey, api_base: apiBase }),
    });
  }

  async createAgent(name: string): Promise<string> {
    const agent = await this.json<{ id: string }>('/api/agents', {
      method: 'POST',
      body: JSON.stringify({ name, runtime: 'cursor', model: 'claude-opus-4-5' }),
    });
    return agent.id;
  }

  async startSession(
    agentId: string,
    prompt: string,
    environment: { repository: string; auto_create_pr?: boolean },
  ): Promise<string> {
    const session = await this.json<{ id: string }>('/session', {
      method: 'POST',
      body: JSON.stringify({ runtime: 'cursor', agent_id: agentId, prompt, environment }),
    });
    return session.id;
  }

  async prompt(sessionId: string, text: string): Promise<void> {
    await this.json(`/session/${sessionId}/prompt_async`, {
      method: 'POST',
      body: JSON.stringify({ parts: [{ type: 'text', text }] }),
    });
  }

  async interrupt(sessionId: string): Promise<void> {
    await this.json(`/session/${sessionId}/interrupt`, { method: 'POST' });
  }

  /** The session as `GET /session/:id` shows it. */
  session<T>(sessionId: string): Promise<T> {
    return this.json<T>(`/session/${sessionId}`);
  }

  /**
   * The session once `GET /session/:id` shows it idle on `runId`: the gateway projects events into its
   * row after they were streamed, so the row may lag the SSE stream a little.
   */
  idleSession<T extends { status: string; provider_run_id: string | null }>(
    sessionId: string,
    runId: string | undefined,
  ): Promise<T> {
    let last: T | undefined;
    return waitFor(
      async () => {
        last = await this.session<T>(sessionId);
        return last.status === 'idle' && last.provider_run_id === runId ? last : undefined;
      },
      { what: `session ${sessionId} to show idle after run ${runId}`, timeoutMs: 45_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
    });
  }

  /**
   * Follows the session's SSE stream from its start until it has gone idle `idles` times; `onEvent`
   * sees every event as it arrives (to act in the middle of a run).
   */
  async watch(
    sessionId: string,
    idles = 1,
    onEvent: (event: SessionEvent, seen: SessionEvent[]) => void = () => undefined,
  ): Promise<SessionEvent[]> {
    const response = await this.api(`/v1/sessions/${sessionId}/events/stream`, {
      headers: { accept: 'text/event-stream' },
    });
    if (response.status !== 200) throw new Error(`SSE answered ${response.status}`);
    const seen: SessionEvent[] = [];
    let idleCount = 0;
    await readSse(response, (frame) => {
      const event = JSON.parse(frame.data) as SessionEvent;
      if (frame.event !== event.type || frame.id !== String(Number(frame.id))) {
        throw new Error(`malformed SSE frame ${JSON.stringify(frame)}`);
      }
      seen.push(event);
      onEvent(event, seen);
      if (event.type === 'session.status_idle') idleCount += 1;
      return idleCount >= idles;
    });
    return seen;
  }

  /**
   * Waits until the session is at rest (its commands taken and acked, every raw record folded), then
   * returns its whole event log as stored on `<P>.events.<sessionId>`: what any subscriber gets.
   */
  async settledEvents(sessionId: string): Promise<SessionEvent[]> {
    const { names } = this.platform.nats;
    await waitFor(
      async () => {
        if (await this.commands.next(names.command(sessionId), 0)) return false;
        const lastRaw = await this.raw.last<RawRecord>(names.raw(sessionId));
        return lastRaw !== null && (await this.foldedUpTo(sessionId)) === lastRaw.seq;
      },
      { what: `session ${sessionId} to come to rest`, timeoutMs: 30_000 },
    );
    const last = await this.events.last(names.events(sessionId));
    if (!last) return [];
    const events: SessionEvent[] = [];
    for await (const stored of readSubjectRange<SessionEvent>(
      this.platform.nats.client.js,
      this.events.stream,
      names.events(sessionId),
      0,
      last.seq,
    )) {
      events.push(stored.data);
    }
    return events;
  }

  /** Every raw record of the session, in order. */
  async rawRecords(sessionId: string): Promise<RawRecord[]> {
    const subject = this.platform.nats.names.raw(sessionId);
    const last = await this.raw.last(subject);
    const records: RawRecord[] = [];
    if (!last) return records;
    for await (const stored of readSubjectRange<RawRecord>(
      this.platform.nats.client.js,
      this.raw.stream,
      subject,
      0,
      last.seq,
    )) {
      records.push(stored.data);
    }
    return records;
  }

  private async foldedUpTo(sessionId: string): Promise<number> {
    this.foldBucket ??= await openBucket(this.platform.nats.client, this.platform.nats.names.buckets.fold);
    const entry = await this.foldBucket.get(sessionId);
    if (!entry || entry.operation !== 'PUT') return 0;
    return decodeJson<{ lastRawSeq: number }>(entry.value).lastRawSeq;
  }
}
