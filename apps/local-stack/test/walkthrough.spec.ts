import { Client } from 'pg';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { readSubjectRange, SubjectLog } from '@lap/messaging';
import { cursorFramesOf, type RawRecord, type SessionEvent } from '@lap/contracts';
import { startInProcessPlatform, type InProcessPlatform } from './support/in-process-platform';
import { readSse, type SseFrame } from './support/sse-reader';

/**
 * The seed page's five steps, in HTTP, through the real gateway, credentials service, session runner
 * and normalizer, over the real NATS and PostgreSQL, against the Cursor emulator.
 */
// Response bodies are checked field by field below; `any` keeps those checks readable.
const json = (response: Response): Promise<any> => response.json();

describe('the seed walkthrough, end to end', () => {
  const CURSOR_KEY = 'crsr_e2e_walkthrough_key_7f3a9c';
  let platform: InProcessPlatform;
  let wireTap: Subscription;
  const wire: string[] = [];
  const output: string[] = [];
  const restoreOutput: Array<() => void> = [];

  beforeAll(async () => {
    // Everything the processes print, and every message on the NATS server, is checked for the key.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restoreOutput.push(() => (stream.write = write));
    }
    platform = await startInProcessPlatform();
    wireTap = platform.nats.client.connection.subscribe('>', {
      callback: (_error: Error | null, message: Msg) => {
        wire.push(message.subject + ' ' + new TextDecoder().decode(message.data));
      },
    });
  });

  afterAll(async () => {
    wireTap?.unsubscribe();
    await platform?.stop();
    for (const restore of restoreOutput) restore();
  });

  const api = (path: string, init: RequestInit = {}, key = platform.masterKey) =>
    fetch(`${platform.gatewayUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  let agentId: string;
  let sessionId: string;
  let events: SessionEvent[];
  let frames: SseFrame[];

  it('1. stores the Cursor API key and shows it only masked', async () => {
    const response = await api('/api/agent-runtimes/cursor/credentials', {
      method: 'PUT',
      body: JSON.stringify({ api_key: CURSOR_KEY, api_base: platform.emulatorUrl }),
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    const cursor = body.runtimes.find((r: { id: string }) => r.id === 'cursor');
    expect(cursor).toMatchObject({
      id: 'cursor',
      connected: true,
      api_base: platform.emulatorUrl,
      masked_api_key: '…3a9c',
    });
    expect(JSON.stringify(body)).not.toContain(CURSOR_KEY);
  });

  it('2-3. lists the built-in cursor runtime and creates an agent on it', async () => {
    const runtimes = await json(await api('/api/agent-runtimes'));
    expect(runtimes.runtimes.map((r: { id: string }) => r.id)).toContain('cursor');
    const response = await api('/api/agents', {
      method: 'POST',
      body: JSON.stringify({
        name: 'my-cursor-agent',
        owner_id: 'local-user',
        runtime: 'cursor',
        model: 'claude-opus-4-5',
        system: 'You are a coding assistant.',
      }),
    });
    expect(response.status).toBe(201);
    const agent = await json(response);
    expect(agent.id).toMatch(/^agent_/);
    agentId = agent.id;
  });

  it('4. starts a session with repository context and an immediate prompt', async () => {
    const response = await api('/session', {
      method: 'POST',
      body: JSON.stringify({
        runtime: 'cursor',
        agent_id: agentId,
        prompt: 'Fix the failing tests in src/utils.ts',
        environment: {
          repository: 'https://github.com/your-org/your-repo',
          ref: 'main',
          auto_create_pr: false,
        },
      }),
    });
    expect(response.status).toBeLessThan(300);
    const session = await json(response);
    expect(session.id).toMatch(/^sesn_/);
    sessionId = session.id;
  });

  it('5. streams the normalized events over SSE until the session is idle', async () => {
    const response = await api(`/v1/sessions/${sessionId}/events/stream`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    ({ frames } = await readSse(response, (frame) => frame.event === 'session.status_idle'));
    events = frames.map((frame) => JSON.parse(frame.data) as SessionEvent);

    for (const [i, frame] of frames.entries()) {
      expect(frame.id).toMatch(/^\d+$/);
      expect(frame.event).toBe(events[i].type);
      expect(events[i].id).toMatch(/^sevt_[0-9a-z]{26}$/);
      expect(new Date(events[i].processed_at).toISOString()).toBe(events[i].processed_at);
      if (i > 0) expect(Number(frame.id)).toBeGreaterThan(Number(frames[i - 1].id));
    }
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('user.message');
    expect(types).toContain('session.status_running');
    expect(types.indexOf('session.status_running')).toBeLessThan(types.indexOf('agent.message'));
    expect(types).toEqual(expect.arrayContaining(['agent.message', 'agent.tool_use', 'agent.tool_result']));
    expect(types[types.length - 1]).toBe('session.status_idle');
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    const toolUse = events.find((e) => e.type === 'agent.tool_use') as Extract<
      SessionEvent,
      { type: 'agent.tool_use' }
    >;
    const toolResult = events.find((e) => e.type === 'agent.tool_result') as Extract<
      SessionEvent,
      { type: 'agent.tool_result' }
    >;
    expect(toolResult.tool_use_id).toBe(toolUse.id);
    expect(Object.keys(toolUse.input).length).toBeGreaterThan(0);
  });

  it('delivers each assistant message whole: the deltas Cursor streamed, joined', async () => {
    const subject = platform.nats.names.raw(sessionId);
    const raw = new SubjectLog(platform.nats.client, platform.nats.names.streams.raw);
    const last = await raw.last(subject);
    const deltas: string[] = [];
    for await (const record of readSubjectRange<RawRecord>(
      platform.nats.client.js,
      raw.stream,
      subject,
      0,
      last!.seq,
    )) {
      for (const frame of cursorFramesOf(record.data)) {
        if (frame.event === 'assistant') deltas.push((frame.data as { text: string }).text);
      }
    }
    const messages = events.filter((e) => e.type === 'agent.message') as Array<
      Extract<SessionEvent, { type: 'agent.message' }>
    >;
    const streamedText = messages.map((m) => m.content.map((c) => c.text).join('')).join('');
    expect(deltas.length).toBeGreaterThan(messages.length);
    expect(streamedText).toBe(deltas.join(''));
  });

  it('shows the session idle, with the Cursor agent it ran on', async () => {
    let session: { status: string; provider_session_id?: string };
    const deadline = Date.now() + 10_000;
    do {
      session = await json(await api(`/session/${sessionId}`));
    } while (
      session.status !== 'idle' &&
      Date.now() < deadline &&
      (await new Promise((r) => setTimeout(r, 50)), true)
    );
    expect(session.status).toBe('idle');
    expect(session.provider_session_id).toMatch(/^bc-/);
  });

  it('never lets the API key out: not in PostgreSQL, not on NATS, not in a log line', async () => {
    const db = new Client({ connectionString: platform.database.url });
    await db.connect();
    try {
      const tables = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      const tableNames = tables.rows.map((r: { tablename: string }) => r.tablename);
      expect(tableNames).toEqual(expect.arrayContaining(['runtime_credentials', 'agents', 'sessions']));
      for (const table of tableNames) {
        const rows = await db.query(`SELECT t::text AS row FROM "${table}" t`);
        for (const { row } of rows.rows) expect(row).not.toContain(CURSOR_KEY);
      }
      const stored = await db.query(`SELECT t::text AS row FROM runtime_credentials t`);
      expect(stored.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    const base64Key = Buffer.from(CURSOR_KEY).toString('base64');
    expect(wire.length).toBeGreaterThan(50);
    for (const message of wire) {
      expect(message).not.toContain(CURSOR_KEY);
      expect(message).not.toContain(base64Key);
    }
    expect(output.join('')).not.toContain(CURSOR_KEY);
  });

  describe('bad input gets a clear error and loses nothing', () => {
    const expectError = async (response: Response, status: number, messagePart: RegExp) => {
      expect(response.status).toBe(status);
      const body = await json(response);
      expect(body).toEqual({
        error: { type: expect.any(String), message: expect.stringMatching(messagePart) },
      });
    };

    it('401 without or with a wrong master key', async () => {
      await expectError(await fetch(`${platform.gatewayUrl}/api/agents`), 401, /key/i);
      await expectError(await api('/api/agents', {}, 'sk-wrong'), 401, /key/i);
    });

    it('400 for malformed JSON and missing fields, naming the problem', async () => {
      await expectError(await api('/api/agents', { method: 'POST', body: '{"name": ' }), 400, /JSON/i);
      await expectError(
        await api('/api/agents', { method: 'POST', body: JSON.stringify({ runtime: 'cursor', model: 'x' }) }),
        400,
        /name/,
      );
    });

    it('400 for an unknown runtime, 404 for an unknown agent', async () => {
      await expectError(
        await api('/api/agents', {
          method: 'POST',
          body: JSON.stringify({ name: 'a', runtime: 'devin', model: 'x' }),
        }),
        400,
        /runtime/,
      );
      await expectError(
        await api('/session', {
          method: 'POST',
          body: JSON.stringify({
            runtime: 'cursor',
            agent_id: 'agent_00000000000000000000000000',
            prompt: 'hi',
          }),
        }),
        404,
        /agent/i,
      );
    });

    it('keeps serving after all of that', async () => {
      expect((await api(`/session/${sessionId}`)).status).toBe(200);
      expect((await fetch(`${platform.gatewayUrl}/readyz`)).status).toBe(200);
    });
  });
});
