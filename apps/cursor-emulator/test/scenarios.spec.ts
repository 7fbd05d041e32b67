import type { CursorFrame, ResultFrameData } from '@lap/cursor-client';
import { agentRequest, collectFrames, startHarness, waitFor, withIds, type Harness } from './harness';

const result = (frames: CursorFrame[]) => frames.find((f) => f.event === 'result')!.data as ResultFrameData;

describe('scripted scenarios', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ frameIntervalMs: 1, heartbeatIntervalMs: 40 });
  });
  afterAll(() => h.emulator.close());

  async function run(prompt: string, autoCreatePR = false) {
    const { agent, run } = await h.client.createAgent(agentRequest(prompt, { autoCreatePR }));
    return { agent, run, frames: await collectFrames(h.client, agent.id, run.id) };
  }

  it('long: many frames, several tool calls, ends FINISHED', async () => {
    const { frames } = await run('[scenario:long] audit');
    expect(frames.length).toBeGreaterThan(100);
    const callIds = new Set(
      frames.filter((f) => f.event === 'tool_call').map((f) => (f.data as { callId: string }).callId),
    );
    expect(callIds.size).toBeGreaterThan(5);
    expect(result(frames).status).toBe('FINISHED');
  });

  it('pr: reports the branch, and the PR URL only with autoCreatePR', async () => {
    const withPr = await run('[scenario:pr] change', true);
    const git = result(withPr.frames).git!;
    expect(git.branches).toEqual([
      {
        repoUrl: 'https://github.com/acme/demo',
        branch: expect.stringMatching(/^cursor\//),
        prUrl: expect.stringMatching(/^https:\/\/github\.com\/acme\/demo\/pull\/\d+$/),
      },
    ]);
    expect((await h.client.getRun(withPr.agent.id, withPr.run.id)).git).toEqual(git);
    const edits = withPr.frames.filter(
      (f) => f.event === 'tool_call' && (f.data as { name: string }).name === 'edit_file',
    );
    expect(edits.length).toBeGreaterThan(1);

    const withoutPr = await run('[scenario:pr] change');
    expect(result(withoutPr.frames).git!.branches[0]).not.toHaveProperty('prUrl');
  });

  it('error: the run ends ERROR with a message', async () => {
    const { agent, run: r, frames } = await run('[scenario:error] break');
    expect(result(frames)).toMatchObject({ status: 'ERROR', text: expect.any(String) });
    expect(await h.client.getRun(agent.id, r.id)).toMatchObject({
      status: 'ERROR',
      result: expect.any(String),
    });
  });

  it('tool_error: a completed tool call whose result reports failure, then a normal finish', async () => {
    const { frames } = await run('[scenario:tool_error] test');
    const completed = frames.find(
      (f) => f.event === 'tool_call' && (f.data as { status: string }).status === 'completed',
    );
    expect(completed!.data).toMatchObject({
      status: 'completed',
      result: { success: false, error: expect.any(String) },
    });
    expect(result(frames).status).toBe('FINISHED');
  });

  it('hang: never ends by itself, sends heartbeats with ids while silent, ends when cancelled', async () => {
    const { agent, run: r } = await h.client.createAgent(agentRequest('[scenario:hang] wait'));
    const streaming = collectFrames(h.client, agent.id, r.id);
    const heartbeatsLogged = async () => {
      const frames = await collectFrames(h.client, agent.id, r.id, {
        stopAfter: 1 + (await h.stats(r.id)).runs[r.id].frames,
      });
      return frames.filter((f) => f.event === 'heartbeat').length >= 3 ? frames : undefined;
    };
    const seen = await waitFor(heartbeatsLogged);
    expect(seen.filter((f) => f.event === 'heartbeat').every((f) => f.id !== null)).toBe(true);
    expect((await h.client.getRun(agent.id, r.id)).status).toBe('RUNNING');
    await h.client.cancelRun(agent.id, r.id);
    const frames = await streaming;
    expect(result(frames).status).toBe('CANCELLED');
  });

  it('[pace:N] spaces the frames of one run', async () => {
    const started = Date.now();
    const { frames } = await run('[pace:20] slow one');
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 * (withIds(frames).length - 2));
  });
});
