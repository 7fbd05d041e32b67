import { CursorClient } from './cursor-client';
import { CursorApiError, CursorUnreachableError, StreamStalledError } from './errors';

const API_KEY = 'key_super_secret_1234';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function clientWith(fetchImpl: (url: string, init: RequestInit) => Promise<Response>): CursorClient {
  return new CursorClient({
    apiBase: 'http://cursor.test/',
    apiKey: API_KEY,
    fetch: fetchImpl as typeof fetch,
  });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('CursorClient', () => {
  it('sends Basic auth with the key as user and an empty password, and builds URLs and queries', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const client = clientWith(async (url, init) => {
      calls.push({ url, init });
      return jsonResponse(200, { items: [], nextCursor: null });
    });
    await client.listAgents({ limit: 5, includeArchived: true, cursor: undefined });
    expect(calls[0].url).toBe('http://cursor.test/v1/agents?limit=5&includeArchived=true');
    const auth = (calls[0].init.headers as Record<string, string>).authorization;
    expect(Buffer.from(auth.replace('Basic ', ''), 'base64').toString()).toBe(`${API_KEY}:`);
  });

  it('maps error answers to CursorApiError, masking the key if a server echoes it', async () => {
    const client = clientWith(async () =>
      jsonResponse(
        401,
        { error: { code: 'unauthorized', message: `Invalid API key ${API_KEY}` } },
        { 'retry-after': '2' },
      ),
    );
    const error = await caught(client.me());
    expect(error).toBeInstanceOf(CursorApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', retryAfterMs: 2000 });
    expect((error as Error).message).not.toContain(API_KEY);
    expect((error as Error).message).toContain('***');
  });

  it('maps network failures to CursorUnreachableError without the key', async () => {
    const client = clientWith(async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      });
    });
    const error = await caught(client.getRun('bc-1', 'run-1'));
    expect(error).toBeInstanceOf(CursorUnreachableError);
    expect((error as Error).message).toBe('GET /v1/agents/bc-1/runs/run-1: fetch failed (ECONNREFUSED)');
    expect(JSON.stringify(client)).not.toContain(API_KEY);
  });

  it('normalizes models listed as bare strings', async () => {
    const client = clientWith(async () =>
      jsonResponse(200, { items: ['gpt-5', { id: 'claude', displayName: 'C' }] }),
    );
    expect(await client.models()).toEqual({ items: [{ id: 'gpt-5' }, { id: 'claude', displayName: 'C' }] });
  });

  it('streams frames across arbitrary chunks and sends Last-Event-ID', async () => {
    let sentHeaders: Record<string, string> = {};
    const text =
      'event: status\ndata: {"status":"RUNNING"}\n\nid: 1-2\nevent: assistant\ndata: {"text":"hi"}\n\n';
    const client = clientWith(async (_url, init) => {
      sentHeaders = init.headers as Record<string, string>;
      const bytes = new TextEncoder().encode(text);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
          controller.close();
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    });
    const frames = [];
    for await (const frame of client.streamRun('bc-1', 'run-1', { lastEventId: '1-1' })) frames.push(frame);
    expect(sentHeaders['last-event-id']).toBe('1-1');
    expect(frames).toEqual([
      { id: null, event: 'status', data: { status: 'RUNNING' } },
      { id: '1-2', event: 'assistant', data: { text: 'hi' } },
    ]);
  });

  it('fails a silent stream with StreamStalledError', async () => {
    const client = clientWith(async (_url, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('event: status\ndata: {}\n\n'));
          init.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
        },
      });
      return new Response(body, { status: 200 });
    });
    const frames: unknown[] = [];
    const error = await caught(
      (async () => {
        for await (const frame of client.streamRun('bc-1', 'run-1', { idleTimeoutMs: 30 }))
          frames.push(frame);
      })(),
    );
    expect(frames).toHaveLength(1);
    expect(error).toBeInstanceOf(StreamStalledError);
  });

  it('reports a stream refused by Cursor as CursorApiError', async () => {
    const client = clientWith(async () =>
      jsonResponse(410, { error: { code: 'stream_expired', message: 'Stream expired' } }),
    );
    const error = await caught(client.streamRun('bc-1', 'run-1').next());
    expect(error).toMatchObject({ status: 410, code: 'stream_expired' });
  });
});
