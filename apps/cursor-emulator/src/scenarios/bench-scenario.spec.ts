import { startScenario, type ScenarioStep } from './scenario-scripts';

function steps(frames?: number, frameBytes?: number): ScenarioStep[] {
  const script = startScenario('bench', { runId: 'run-1', promptText: '', frames, frameBytes });
  const out: ScenarioStep[] = [];
  for (let step = script.next(); !step.done; step = script.next()) out.push(step.value);
  return out;
}

describe('the bench scenario', () => {
  it('streams the asked number of content frames, alternating assistant and thinking, of the asked size', () => {
    const all = steps(5, 10);
    expect(all[0]).toEqual({ kind: 'frame', event: 'status', data: { runId: 'run-1', status: 'RUNNING' } });
    const content = all.slice(1, -1);
    expect(content.map((s) => (s.kind === 'frame' ? s.event : s.kind))).toEqual([
      'assistant',
      'thinking',
      'assistant',
      'thinking',
      'assistant',
    ]);
    for (const step of content) expect(step).toMatchObject({ data: { text: 'x'.repeat(10) } });
    // The result names the run, instead of carrying every delta joined (megabytes in a long bench run).
    expect(all[all.length - 1]).toEqual({
      kind: 'finish',
      status: 'FINISHED',
      resultText: 'bench run of 5 frames',
    });
  });

  it('defaults to 100 frames of 64 characters', () => {
    const all = steps();
    expect(all).toHaveLength(102);
    expect(all[1]).toMatchObject({ data: { text: 'x'.repeat(64) } });
  });
});
