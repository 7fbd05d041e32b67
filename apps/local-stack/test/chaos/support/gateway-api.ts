/** What a test sends through a gateway's HTTP API (LAP routes), with the master key. */
export class GatewayApi {
  constructor(
    private readonly baseUrl: string,
    private readonly masterKey: string,
  ) {}

  async storeCursorKey(apiKey: string, apiBase: string): Promise<void> {
    await this.call('PUT', '/api/agent-runtimes/cursor/credentials', { api_key: apiKey, api_base: apiBase });
  }

  async createAgent(name: string): Promise<string> {
    const agent = await this.call<{ id: string }>('POST', '/api/agents', {
      name,
      owner_id: 'chaos',
      runtime: 'cursor',
      model: 'claude-opus-4-5',
      system: 'You are a coding assistant.',
    });
    return agent.id;
  }

  /** Starts a session with its first prompt; resolves with the session id. */
  async startSession(agentId: string, prompt: string): Promise<string> {
    const session = await this.call<{ id: string }>('POST', '/session', {
      runtime: 'cursor',
      agent_id: agentId,
      prompt,
      environment: { repository: 'https://github.com/acme/app', ref: 'main', auto_create_pr: false },
    });
    return session.id;
  }

  async sendFollowUp(sessionId: string, text: string): Promise<void> {
    await this.call('POST', `/session/${sessionId}/prompt_async`, { parts: [{ type: 'text', text }] });
  }

  /** The ids of a session's events as the REST event list has them (the projection), every page. */
  async listedEventIds(sessionId: string): Promise<string[]> {
    const ids: string[] = [];
    let page: string | null = null;
    do {
      const query: string = page ? `&page=${encodeURIComponent(page)}` : '';
      const body = await this.call<{ data: Array<{ id: string }>; next_page: string | null }>(
        'GET',
        `/v1/sessions/${sessionId}/events?limit=100${query}`,
      );
      ids.push(...body.data.map((event) => event.id));
      page = body.next_page;
    } while (page);
    return ids;
  }

  /** The raw answer, for tests that look at status codes and error bodies. */
  request(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      ...init,
      method,
      headers: {
        authorization: `Bearer ${this.masterKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.headers ?? {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body, { signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
