import { createServer, type IncomingMessage, type ServerResponse } from 'http';
import { getEventListeners } from 'events';
import type { AddressInfo } from 'net';
import { CursorClient } from './cursor-client';
import { CursorApiError, CursorUnreachableError, StreamStalledError } from './errors';
import type { RunFrameStream } from './run-stream';

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
});

/** A Cursor stand-in on a real socket: the run stream is read with Node's HTTP client, not fetch. */
async function streamServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ client: CursorClient; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client: new CursorClient({ apiBase: `http://127.0.0.1:${port}`, apiKey: API_KEY }),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CursorClient.openRunStream', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('streams frames across arbitrary chunks, a character split between two, and sends Last-Event-ID', async () => {
    let sentHeaders: IncomingMessage['headers'] = {};
    let path = '';
    const text =
      'event: status\ndata: {"status":"RUNNING"}\n\nid: 1-2\nevent: assistant\ndata: {"text":"héllo ✓"}\n\n';
    const bytes = Buffer.from(text);
    const server = await streamServer(async (request, response) => {
      sentHeaders = request.headers;
      path = request.url ?? '';
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < bytes.length; i += 7) {
        response.write(bytes.subarray(i, i + 7));
        await sleep(1);
      }
      response.end();
    });
    close = server.close;
    const frames = [];
    for await (const batch of await server.client.openRunStream('bc-1', 'run-1', { lastEventId: '1-1' }))
      frames.push(...batch);
    expect(path).toBe('/v1/agents/bc-1/runs/run-1/stream');
    expect(sentHeaders['last-event-id']).toBe('1-1');
    expect(Buffer.from(String(sentHeaders.authorization).replace('Basic ', ''), 'base64').toString()).toBe(
      `${API_KEY}:`,
    );
    expect(frames).toEqual([
      { id: null, event: 'status', data: { status: 'RUNNING' } },
      { id: '1-2', event: 'assistant', data: { text: 'héllo ✓' } },
    ]);
  });

  it('fails a silent stream with StreamStalledError', async () => {
    const server = await streamServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: status\ndata: {}\n\n');
    });
    close = server.close;
    const frames: unknown[] = [];
    const error = await caught(
      (async () => {
        for await (const batch of await server.client.openRunStream('bc-1', 'run-1', { idleTimeoutMs: 30 }))
          frames.push(...batch);
      })(),
    );
    expect(frames).toHaveLength(1);
    expect(error).toBeInstanceOf(StreamStalledError);
  });

  it('reports a stream refused by Cursor as CursorApiError, masking the key if the answer echoes it', async () => {
    const server = await streamServer((_request, response) => {
      response.writeHead(410, { 'content-type': 'application/json', 'retry-after': '3' });
      response.end(
        JSON.stringify({ error: { code: 'stream_expired', message: `Stream expired for ${API_KEY}` } }),
      );
    });
    close = server.close;
    const error = await caught(server.client.openRunStream('bc-1', 'run-1'));
    expect(error).toBeInstanceOf(CursorApiError);
    expect(error).toMatchObject({ status: 410, code: 'stream_expired', retryAfterMs: 3000 });
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it('reports a stream cut mid-way, and a server that is not there, as CursorUnreachableError', async () => {
    const server = await streamServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: status\ndata: {}\n\n');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const frames: unknown[] = [];
    const cut = await caught(
      (async () => {
        for await (const batch of await server.client.openRunStream('bc-1', 'run-1')) frames.push(...batch);
      })(),
    );
    expect(frames).toHaveLength(1);
    expect(cut).toBeInstanceOf(CursorUnreachableError);

    await server.close();
    const refused = await caught(server.client.openRunStream('bc-1', 'run-1'));
    expect(refused).toBeInstanceOf(CursorUnreachableError);
    expect((refused as Error).message).toMatch(
      /^GET \/v1\/agents\/bc-1\/runs\/run-1\/stream: .*ECONNREFUSED/,
    );
  });

  it("ends with the caller's reason when the caller aborts, and closes the connection", async () => {
    let closed = false;
    const server = await streamServer((request, response) => {
      request.socket.once('close', () => (closed = true));
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: status\ndata: {}\n\n');
      // Read ahead while the caller is busy: not to be handed out after the abort.
      setTimeout(() => response.write('event: status\ndata: {}\n\n'.repeat(5)), 10);
    });
    close = server.close;
    const caller = new AbortController();
    const reason = new Error('the session was interrupted');
    const stream = await server.client.openRunStream('bc-1', 'run-1', { signal: caller.signal });
    expect(await stream.take()).toHaveLength(1);
    await sleep(50);
    caller.abort(reason);
    expect(await caught(stream.take())).toBe(reason);
    for (let i = 0; i < 100 && !closed; i++) await sleep(10);
    expect(closed).toBe(true);
  });

  it("leaves no listener on the caller's signal once a stream ended, failed, was closed or refused", async () => {
    let mode: 'end' | 'cut' | 'open' | 'refuse' = 'end';
    const server = await streamServer((_request, response) => {
      if (mode === 'refuse') {
        response.writeHead(410, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'stream_expired', message: 'Expired' } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: status\ndata: {}\n\n');
      if (mode === 'end') response.end();
      if (mode === 'cut') setTimeout(() => response.socket?.destroy(), 10);
    });
    close = server.close;
    // One signal for every connection, as the runner passes its own.
    const caller = new AbortController();
    const listeners = () => getEventListeners(caller.signal, 'abort').length;
    const drain = async (stream: RunFrameStream) => {
      for await (const batch of stream) void batch;
    };

    await drain(await server.client.openRunStream('bc-1', 'run-1', { signal: caller.signal }));
    expect(listeners()).toBe(0);
    mode = 'cut';
    const open = await server.client.openRunStream('bc-1', 'run-1', { signal: caller.signal });
    await expect(drain(open)).rejects.toBeInstanceOf(CursorUnreachableError);
    expect(listeners()).toBe(0);
    mode = 'open';
    const closing = await server.client.openRunStream('bc-1', 'run-1', { signal: caller.signal });
    expect(await closing.take()).toHaveLength(1);
    expect(listeners()).toBe(1);
    closing.close();
    expect(listeners()).toBe(0);
    mode = 'refuse';
    await expect(
      server.client.openRunStream('bc-1', 'run-1', { signal: caller.signal }),
    ).rejects.toBeInstanceOf(CursorApiError);
    expect(listeners()).toBe(0);
  });

  it('follows a redirect, sending the key only to the origin it was given for', async () => {
    let seenAuthorization: string | undefined = 'not asked';
    const target = await streamServer((request, response) => {
      seenAuthorization = request.headers.authorization;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('event: status\ndata: {"status":"RUNNING"}\n\n');
    });
    const targetBase = target.client.apiBase;
    const hops: Array<string | undefined> = [];
    const origin = await streamServer((request, response) => {
      hops.push(request.headers.authorization);
      // First to another path here, then to another origin.
      const next = request.url?.startsWith('/moved') ? `${targetBase}/elsewhere` : `/moved${request.url}`;
      response.writeHead(307, { location: next });
      response.end();
    });
    close = async () => {
      await origin.close();
      await target.close();
    };
    const frames = [];
    for await (const batch of await origin.client.openRunStream('bc-1', 'run-1')) frames.push(...batch);
    expect(frames).toEqual([{ id: null, event: 'status', data: { status: 'RUNNING' } }]);
    expect(hops).toHaveLength(2);
    expect(hops.every((authorization) => authorization?.startsWith('Basic '))).toBe(true);
    expect(seenAuthorization).toBeUndefined();
  });
});
