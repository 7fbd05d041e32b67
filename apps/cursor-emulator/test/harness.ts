import {
  CursorClient,
  type CreateAgentRequest,
  type CursorFrame,
  type StreamRunOptions,
} from '@lap/cursor-client';
import { createEmulatorApp, type EmulatorAppOptions, type EmulatorStats, type RunningEmulator } from '../src';

/** Fast pacing for tests: whole runs finish in tens of milliseconds. */
export const FAST: EmulatorAppOptions = { frameIntervalMs: 2, heartbeatIntervalMs: 60_000 };

export interface Harness {
  emulator: RunningEmulator;
  client: CursorClient;
  clientFor(apiKey: string): CursorClient;
  stats(runId?: string): Promise<EmulatorStats>;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

export async function startHarness(options: EmulatorAppOptions = {}): Promise<Harness> {
  const emulator = await createEmulatorApp({ ...FAST, ...options });
  const clientFor = (apiKey: string) => new CursorClient({ apiBase: emulator.url, apiKey });
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    emulator,
    client: clientFor('test-key-1234'),
    clientFor,
    admin,
    stats: async (runId) =>
      (await (
        await admin('GET', `/__emulator/stats${runId ? `?runId=${runId}` : ''}`)
      ).json()) as EmulatorStats,
  };
}

export function agentRequest(
  promptText: string,
  extra: Partial<CreateAgentRequest> = {},
): CreateAgentRequest {
  return { prompt: { text: promptText }, repos: [{ url: 'https://github.com/acme/demo' }], ...extra };
}

/** Reads a stream to its end (or until `stopAfter` frames), returning every frame. */
export async function collectFrames(
  client: CursorClient,
  agentId: string,
  runId: string,
  options: StreamRunOptions & { stopAfter?: number } = {},
): Promise<CursorFrame[]> {
  const frames: CursorFrame[] = [];
  for await (const batch of await client.openRunStream(agentId, runId, options)) {
    frames.push(...batch);
    if (options.stopAfter !== undefined && frames.length >= options.stopAfter) {
      return frames.slice(0, options.stopAfter);
    }
  }
  return frames;
}

/** What a reconnecting client does: resume from the last id seen until a `done` after a `result`. */
export async function followToEnd(
  client: CursorClient,
  agentId: string,
  runId: string,
  options: { idleTimeoutMs?: number; maxConnections?: number } = {},
): Promise<{ frames: CursorFrame[]; connections: number; failures: unknown[] }> {
  const frames: CursorFrame[] = [];
  const failures: unknown[] = [];
  let lastEventId: string | undefined;
  let connections = 0;
  let sawResult = false;
  while (connections < (options.maxConnections ?? 20)) {
    connections += 1;
    try {
      const stream = await client.openRunStream(agentId, runId, {
        lastEventId,
        idleTimeoutMs: options.idleTimeoutMs,
      });
      for await (const batch of stream) {
        for (const frame of batch) {
          frames.push(frame);
          if (frame.id) lastEventId = frame.id;
          if (frame.event === 'result') sawResult = true;
        }
      }
    } catch (error) {
      failures.push(error);
    }
    if (sawResult && frames[frames.length - 1]?.event === 'done') break;
  }
  return { frames, connections, failures };
}

/** The frames a run really logged (status frames sent on connect carry no id). */
export const withIds = (frames: CursorFrame[]) => frames.filter((frame) => frame.id !== null);

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
