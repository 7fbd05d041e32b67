import { summarizeAllocationProfile } from './allocation-profile-summary';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
const node = (callFrame: Node['callFrame'], selfSize: number, children: Node[] = []): Node => ({
  callFrame,
  selfSize,
  children,
});

describe('summarizeAllocationProfile', () => {
  it('adds up the bytes each function allocated, wherever it was called from, and groups them by origin', () => {
    const append = frame('append', 'file:///repo/node_modules/@nats-io/nats-core/lib/headers.js', 218);
    const profile = {
      head: node(frame('(root)', ''), 0, [
        node(frame('pullLoop', 'file:///repo/packages/messaging/dist/durable-worker.js', 81), 1_000_000, [
          node(append, 4_000_000),
        ]),
        node(frame('run', 'file:///repo/apps/gateway/dist/events/event-fanout.service.js', 121), 0, [
          node(append, 4_000_000),
        ]),
        node(frame('split', ''), 500_000),
      ]),
    };
    const summary = summarizeAllocationProfile(profile, 'gateway');
    expect(summary.totalMegabytes).toBe(9.5);
    expect(summary.topFunctions[0]).toEqual({
      name: 'append node_modules/@nats-io/nats-core/lib/headers.js:219',
      megabytes: 8,
      percent: 84.2,
    });
    expect(summary.byOrigin).toEqual([
      { name: '@nats-io/nats-core', megabytes: 8, percent: 84.2 },
      { name: '@lap/messaging', megabytes: 1, percent: 10.5 },
      { name: 'split', megabytes: 0.5, percent: 5.3 },
    ]);
  });
});
