/** The few gateway routes the bench drives, over HTTP like any client. */
export class GatewayApi {
  constructor(
    readonly baseUrl: string,
    readonly masterKey: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.masterKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) {
      throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** Stores a Cursor key pointing at the emulator (any key works there). */
  async connectCursor(emulatorUrl: string): Promise<void> {
    await this.call('PUT', '/api/agent-runtimes/cursor/credentials', {
      api_key: 'bench-cursor-key',
      api_base: emulatorUrl,
    });
  }

  async createAgent(): Promise<string> {
    const agent = await this.call<{ id: string }>('POST', '/api/agents', {
      name: 'bench-agent',
      runtime: 'cursor',
      model: 'bench-model',
    });
    return agent.id;
  }

  /** A session; with a prompt its first run starts at once, without one it waits for `prompt()`. */
  async createSession(agentId: string, prompt?: string): Promise<string> {
    const session = await this.call<{ id: string }>('POST', '/session', {
      runtime: 'cursor',
      agent_id: agentId,
      // Cursor requires a repository; the emulator accepts any.
      environment: { repository: 'https://github.com/lap-bench/bench-repo', ref: 'main' },
      ...(prompt === undefined ? {} : { prompt }),
    });
    return session.id;
  }

  async prompt(sessionId: string, text: string): Promise<void> {
    await this.call('POST', `/session/${sessionId}/prompt_async`, { parts: [{ type: 'text', text }] });
  }

  async interrupt(sessionId: string): Promise<void> {
    await this.call('POST', `/session/${sessionId}/interrupt`);
  }
}

/** The emulator prompt of a scripted bench run (see apps/cursor-emulator/README.md). */
export function benchPrompt(run: { frames: number; frameBytes: number; paceMs: number }): string {
  return `[scenario:bench][frames:${run.frames}][frame_bytes:${run.frameBytes}][pace:${run.paceMs}]`;
}

export interface EmulatorStats {
  totals: {
    runs: number;
    activeRuns: number;
    streamConnectionsOpened: number;
    streamConnectionsOpen: number;
  };
  runs: Record<
    string,
    {
      agentId: string;
      status: string;
      frames: number;
      streamConnectionsOpened: number;
      streamConnectionsOpen: number;
    }
  >;
}

export async function emulatorStats(emulatorUrl: string, runId?: string): Promise<EmulatorStats> {
  const query = runId ? `?runId=${encodeURIComponent(runId)}` : '';
  const response = await fetch(`${emulatorUrl}/__emulator/stats${query}`, {
    signal: AbortSignal.timeout(30_000),
  });
  return (await response.json()) as EmulatorStats;
}
