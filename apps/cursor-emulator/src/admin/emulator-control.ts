import type { FaultsService } from '../faults/faults.service';
import type { EmulatorStats } from './admin.service';

/**
 * What a test does to the Cursor emulator directly: its admin routes (counters, global faults) and,
 * with a Cursor key, the v1 API as another Cursor client would (someone else's run on the same agent).
 */
export class EmulatorControl {
  constructor(readonly url: string) {}

  async stats(): Promise<EmulatorStats> {
    return this.json('GET', '/__emulator/stats');
  }

  /** Stream connections the emulator saw for one run. */
  async connectionsOpened(runId: string): Promise<number> {
    const stats = await this.stats();
    const run = stats.runs[runId];
    if (!run) throw new Error(`the emulator knows no run ${runId}`);
    return run.streamConnectionsOpened;
  }

  async addGlobalFaults(...faults: string[]): Promise<void> {
    await this.json('POST', '/__emulator/faults', undefined, { faults });
  }

  /** The faults set for every request and stream, with how many of each request fault are still owed. */
  async globalFaults(): Promise<ReturnType<FaultsService['describe']>> {
    return this.json('GET', '/__emulator/faults');
  }

  async clearGlobalFaults(): Promise<void> {
    await this.json('DELETE', '/__emulator/faults');
  }

  async cursor<T = unknown>(key: string, method: string, path: string, body?: unknown): Promise<T> {
    return this.json(method, path, key, body);
  }

  private async json<T>(method: string, path: string, key?: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }
}
