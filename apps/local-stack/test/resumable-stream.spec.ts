import { SseStreams } from '@lap/gateway';
import { waitFor } from '@lap/testing';
import { startInProcessPlatform, type InProcessPlatform } from './support/in-process-platform';
import { connectSse } from './support/sse-connection';
import { readSse, type SseFrame } from './support/sse-reader';

const KILLS = 50;

/** A small seeded generator, so a failing run can be replayed with the seed it prints. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a client stream cut 50 times during a long run', () => {
  let platform: InProcessPlatform;
  const api = (path: string, body: unknown) =>
    fetch(`${platform.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json() as Promise<{ id: string }>);

  beforeAll(async () => {
    platform = await startInProcessPlatform();
    await fetch(`${platform.gatewayUrl}/api/agent-runtimes/cursor/credentials`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${platform.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'crsr_resume_suite', api_base: platform.emulatorUrl }),
    });
  });
  afterAll(() => platform?.stop());

  it('resumes with Last-Event-ID each time and ends with exactly what an uninterrupted watcher saw', async () => {
    const seed = Number(process.env.RESUME_SEED ?? Date.now() % 2 ** 31);
    const random = seededRandom(seed);
    const agent = await api('/api/agents', {
      name: 'long-runner',
      runtime: 'cursor',
      model: 'claude-opus-4-5',
    });
    const session = await api('/session', {
      agent_id: agent.id,
      prompt: '[scenario:long] [pace:15] take your time',
      environment: { repository: 'https://github.com/acme/widgets', ref: 'main' },
    });
    const streamUrl = `${platform.gatewayUrl}/v1/sessions/${session.id}/events/stream`;
    const auth = { authorization: `Bearer ${platform.masterKey}` };
    const isEnd = (frame: SseFrame) => frame.event === 'session.status_idle';

    const uninterrupted = fetch(streamUrl, { headers: { accept: 'text/event-stream', ...auth } }).then(
      (response) => readSse(response, isEnd),
    );

    const resumed: SseFrame[] = [];
    let killsDuringRun = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const lastId = resumed.at(-1)?.id;
      // Half the cuts after a few frames, half after a random moment (often mid catch-up or between frames).
      const byFrames = random() < 0.5;
      const connection = await connectSse(streamUrl, {
        headers: { ...auth, ...(lastId === undefined ? {} : { 'last-event-id': lastId }) },
        // Once the run is over no frame comes, so a cut by frames needs a moment to fall back on.
        ...(byFrames
          ? { killAfterFrames: 1 + Math.floor(random() * 3), killAfterMs: 300 }
          : { killAfterMs: Math.floor(random() * 60) }),
      });
      // Status 0: cut before the response even began, which a real network drop can do too.
      expect([connection.killed ? 0 : 200, 200]).toContain(connection.status);
      resumed.push(...connection.frames);
      if (!resumed.some(isEnd)) killsDuringRun++;
    }
    if (!resumed.some(isEnd)) {
      const lastId = resumed.at(-1)?.id;
      const rest = await connectSse(streamUrl, {
        headers: { ...auth, ...(lastId === undefined ? {} : { 'last-event-id': lastId }) },
        until: isEnd,
      });
      resumed.push(...rest.frames);
    }

    const { frames: expected } = await uninterrupted;
    const context = `seed ${seed} (rerun with RESUME_SEED=${seed})`;
    expect({ context, frames: resumed }).toEqual({ context, frames: expected });
    expect(expected.length).toBeGreaterThan(40);
    expect(new Set(resumed.map((frame) => frame.id)).size).toBe(resumed.length);
    for (const frame of resumed) {
      expect(frame.id).toMatch(/^\d+$/);
      expect(frame.event).toBe(JSON.parse(frame.data).type);
    }
    // The cuts were spread over the live run, not all made after it ended.
    expect(killsDuringRun).toBeGreaterThanOrEqual(10);
    // Every cut connection let go of what it held in the gateway.
    const streams = platform.gateway.app.get(SseStreams);
    await waitFor(() => streams.openCount === 0, { what: 'every stream released', timeoutMs: 10_000 });
  }, 180_000);
});
