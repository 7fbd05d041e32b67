import { StreamFaultPlan } from '../faults/stream-fault-plan';
import { startScenario, type ScenarioName } from '../scenarios/scenario-scripts';
import { EmulatedRun, type RunSubscriber } from './emulated-run';

function makeRun(scenario: ScenarioName, counter = { seq: 0 }): EmulatedRun {
  return new EmulatedRun({
    id: 'run-test',
    agentId: 'bc-test',
    script: startScenario(scenario, { runId: 'run-test', promptText: 'hi' }),
    paceMs: 10,
    heartbeatIntervalMs: 100,
    faults: new StreamFaultPlan([]),
    nextFrameSeq: () => ++counter.seq,
    gitOutcome: () => ({ branches: [{ branch: 'cursor/x' }] }),
  });
}

const events = (run: EmulatedRun) =>
  Array.from({ length: run.frameCount }, (_, i) => /event: (\w+)/.exec(run.chunksFrom(i, 0).text)![1]);

describe('EmulatedRun', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('advances one frame per pace, whether or not anyone listens, and ends with result + done', () => {
    const run = makeRun('default');
    run.start();
    expect(run.status).toBe('CREATING');
    jest.advanceTimersByTime(10);
    expect(run.frameCount).toBe(1);
    expect(run.status).toBe('RUNNING');
    jest.advanceTimersByTime(10_000);
    expect(run.status).toBe('FINISHED');
    expect(run.sealed).toBe(true);
    expect(events(run).slice(-2)).toEqual(['result', 'done']);
    expect(run.resultText).toBe(
      "I'll start by reading the README.The README describes a small demo service.",
    );
  });

  it('fills silences with heartbeats and tells subscribers about every frame', () => {
    const run = makeRun('hang');
    let notified = 0;
    const subscriber: RunSubscriber = {
      onFramesAppended: () => (notified += 1),
      onRunDiscarded: () => undefined,
    };
    run.subscribers.add(subscriber);
    run.start();
    jest.advanceTimersByTime(1000);
    const heartbeats = events(run).filter((e) => e === 'heartbeat').length;
    expect(heartbeats).toBeGreaterThanOrEqual(8);
    expect(notified).toBe(run.frameCount);
    expect(run.cancel()).toBe(true);
    expect(run.cancel()).toBe(false);
    expect(run.status).toBe('CANCELLED');
    jest.advanceTimersByTime(1000);
    expect(events(run).slice(-2)).toEqual(['result', 'done']);
  });

  it('resumes only after ids it really logged', () => {
    const counter = { seq: 0 };
    const run = makeRun('default', counter);
    const other = makeRun('default', counter);
    run.start();
    other.start();
    jest.advanceTimersByTime(10_000);
    const idOf = (r: EmulatedRun, i: number) => /^id: (\S+)/.exec(r.chunksFrom(i, 0).text)![1];
    expect(run.indexAfter(idOf(run, 0))).toBe(1);
    expect(run.indexAfter(idOf(run, run.frameCount - 1))).toBe(run.frameCount);
    expect(run.indexAfter(idOf(other, 3))).toBeUndefined();
    expect(run.indexAfter('0-1')).toBeUndefined();
    expect(run.indexAfter('garbage')).toBeUndefined();
  });
});
