import type { IncomingMessage } from 'http';
import { apiErrorFromResponse, CursorApiError, CursorUnreachableError } from './errors';
import {
  describeNetworkError,
  IdleWatch,
  openEventStream,
  readBodyText,
  RunFrameStream,
  translateStreamFailure,
} from './run-stream';
import type {
  Agent,
  AgentSummary,
  CreateAgentRequest,
  CreateAgentResponse,
  CreateRunRequest,
  CreateRunResponse,
  IdResponse,
  ListAgentsQuery,
  ListRunsQuery,
  Me,
  ModelInfo,
  Page,
  Repository,
  Run,
} from './types';

export interface CursorClientOptions {
  /** e.g. `https://api.cursor.com`, or the emulator's URL. */
  apiBase: string;
  apiKey: string;
  /**
   * For the API calls; defaults to Node's global fetch, tests inject their own. A run's stream is read
   * with Node's HTTP client instead (`openEventStream`), which costs far less per frame.
   */
  fetch?: typeof fetch;
  /** Upper bound for one ordinary (non-stream) call. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface StreamRunOptions {
  /** Resume after this frame id: only later frames are sent (the id-less `status` frame comes first anyway). */
  lastEventId?: string;
  signal?: AbortSignal;
  /**
   * Fail with `StreamStalledError` when no bytes arrive for this long (heartbeats count as bytes).
   * Default 5 minutes, fetch's own limit: Node's HTTP client, which reads the stream, has none.
   */
  idleTimeoutMs?: number;
  /** Reading waits for the caller once at least this many frames are read and not taken. Default 64. */
  readAhead?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_STREAM_IDLE_MS = 300_000;
const DEFAULT_READ_AHEAD = 64;

/**
 * A typed client for Cursor's Cloud Agents v1 API. Every failure is a {@link CursorApiError} (Cursor
 * answered with an error) or a {@link CursorUnreachableError} (no answer); neither ever carries the key.
 */
export class CursorClient {
  readonly apiBase: string;
  // Private fields keep the key out of console.log / JSON.stringify of the client.
  readonly #apiKey: string;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;
  readonly #requestTimeoutMs: number;

  constructor(options: CursorClientOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString('base64')}`;
    this.#fetch = options.fetch ?? fetch;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  createAgent(body: CreateAgentRequest, options?: CallOptions): Promise<CreateAgentResponse> {
    return this.request('POST', '/v1/agents', { body, ...options });
  }

  listAgents(query: ListAgentsQuery = {}, options?: CallOptions): Promise<Page<AgentSummary>> {
    return this.request('GET', '/v1/agents', { query: { ...query }, ...options });
  }

  getAgent(agentId: string, options?: CallOptions): Promise<Agent> {
    return this.request('GET', agentPath(agentId), options);
  }

  deleteAgent(agentId: string, options?: CallOptions): Promise<IdResponse> {
    return this.request('DELETE', agentPath(agentId), options);
  }

  archiveAgent(agentId: string, options?: CallOptions): Promise<IdResponse> {
    return this.request('POST', `${agentPath(agentId)}/archive`, options);
  }

  unarchiveAgent(agentId: string, options?: CallOptions): Promise<IdResponse> {
    return this.request('POST', `${agentPath(agentId)}/unarchive`, options);
  }

  /** Starts a follow-up run; fails with 409 `agent_busy` while another run is active. */
  createRun(agentId: string, body: CreateRunRequest, options?: CallOptions): Promise<CreateRunResponse> {
    return this.request('POST', `${agentPath(agentId)}/runs`, { body, ...options });
  }

  listRuns(agentId: string, query: ListRunsQuery = {}, options?: CallOptions): Promise<Page<Run>> {
    return this.request('GET', `${agentPath(agentId)}/runs`, { query: { ...query }, ...options });
  }

  getRun(agentId: string, runId: string, options?: CallOptions): Promise<Run> {
    return this.request('GET', runPath(agentId, runId), options);
  }

  /** Fails with 409 `run_not_cancellable` when the run is already terminal. */
  cancelRun(agentId: string, runId: string, options?: CallOptions): Promise<IdResponse> {
    return this.request('POST', `${runPath(agentId, runId)}/cancel`, { body: {}, ...options });
  }

  me(options?: CallOptions): Promise<Me> {
    return this.request('GET', '/v1/me', options);
  }

  async models(options?: CallOptions): Promise<{ items: ModelInfo[] }> {
    const answer = await this.request<{ items: (string | ModelInfo)[] }>('GET', '/v1/models', options);
    return { items: answer.items.map((item) => (typeof item === 'string' ? { id: item } : item)) };
  }

  /** Heavily rate limited by Cursor (1/min, 30/hour): expect `rate_limit_exceeded` with `retryAfterMs`. */
  repositories(options?: CallOptions): Promise<{ items: Repository[] }> {
    return this.request('GET', '/v1/repositories', options);
  }

  /**
   * Opens one run's SSE stream; its frames are then taken in batches (`take`, or `for await` over the
   * stream). The first frame of every connection is `status` without an id; the stream ends when the
   * server closes it (normally right after `done`, but a connection can also end early: resume with
   * `lastEventId`). Opening fails with `CursorApiError` (e.g. 400 `invalid_last_event_id`, 410
   * `stream_expired`); a broken connection fails a `take` with `CursorUnreachableError`. Close the stream
   * when done with it early.
   */
  async openRunStream(
    agentId: string,
    runId: string,
    options: StreamRunOptions = {},
  ): Promise<RunFrameStream> {
    const context = `GET ${runPath(agentId, runId)}/stream`;
    const connection = new AbortController();
    const callerSignal = options.signal;
    callerSignal?.throwIfAborted();
    const forwardAbort = () => connection.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', forwardAbort, { once: true });
    const hangUp = () => {
      callerSignal?.removeEventListener('abort', forwardAbort);
      connection.abort();
    };
    const watch = new IdleWatch(connection, options.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS);
    const headers: Record<string, string> = {
      authorization: this.#authorization,
      accept: 'text/event-stream',
    };
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    let response: IncomingMessage;
    watch.arm();
    try {
      response = await openEventStream(
        `${this.apiBase}${runPath(agentId, runId)}/stream`,
        headers,
        connection.signal,
      );
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        const retryAfter = response.headers['retry-after'];
        throw apiErrorFromResponse(
          status,
          await readBodyText(response),
          typeof retryAfter === 'string' ? retryAfter : null,
          context,
        );
      }
    } catch (error) {
      hangUp();
      if (error instanceof CursorApiError) throw this.redacted(error);
      throw this.redacted(translateStreamFailure(error, watch, callerSignal, context));
    } finally {
      watch.disarm();
    }
    return new RunFrameStream(response, {
      callerSignal,
      watch,
      readAhead: options.readAhead ?? DEFAULT_READ_AHEAD,
      describeFailure: (error) => this.redacted(translateStreamFailure(error, watch, callerSignal, context)),
      hangUp,
    });
  }

  private async request<T>(
    method: string,
    path: string,
    options: CallOptions & { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const context = `${method} ${path}`;
    const signals = [AbortSignal.timeout(this.#requestTimeoutMs)];
    if (options.signal) signals.push(options.signal);
    const headers: Record<string, string> = {
      authorization: this.#authorization,
      accept: 'application/json',
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.apiBase}${path}${queryString(options.query)}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.any(signals),
      });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw this.redacted(
        new CursorUnreachableError(`${context}: ${describeNetworkError(error)}`, { cause: error }),
      );
    }
    if (!response.ok) {
      throw this.redacted(
        apiErrorFromResponse(response.status, text, response.headers.get('retry-after'), context),
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CursorApiError(response.status, 'invalid_response', `${context}: the answer was not JSON`);
    }
  }

  /** Masks the key should a server (or a proxy) ever echo it into an error. */
  private redacted<E>(error: E): E {
    if (this.#apiKey.length >= 4 && error instanceof Error && error.message.includes(this.#apiKey)) {
      error.message = error.message.split(this.#apiKey).join('***');
    }
    return error;
  }
}

function agentPath(agentId: string): string {
  return `/v1/agents/${encodeURIComponent(agentId)}`;
}

function runPath(agentId: string, runId: string): string {
  return `${agentPath(agentId)}/runs/${encodeURIComponent(runId)}`;
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
