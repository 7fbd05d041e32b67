import { UsageSampler } from './usage-sampler';

describe('UsageSampler', () => {
  /** CPU seconds per pid, changed by the test between samples. */
  const cpu = new Map<number, number>();
  /** Seconds each pid's threads waited for a core, changed likewise. */
  const waited = new Map<number, number>();
  let pids: number[] = [];
  let machine = 0;
  const sampler = new UsageSampler(
    [
      { name: 'postgres', pids: () => pids },
      { name: 'gateway', pids: () => [7] },
    ],
    250,
    (pid) =>
      cpu.has(pid) ? { cpuSeconds: cpu.get(pid)!, runQueueSeconds: waited.get(pid) ?? 0, rssBytes: 1 } : null,
    () => machine,
  );

  it('counts a group pid by pid: a backend that went is left out, one that came counts whole', () => {
    const now = jest.spyOn(Date, 'now');
    try {
      pids = [1, 2];
      cpu.set(1, 10).set(2, 50).set(7, 3);
      machine = 100;
      now.mockReturnValue(1_000);
      sampler.sample();

      // Over 2 s: backend 1 spent 0.5 s, backend 2 exited (its 50 s are not the window's), backend 3
      // started and spent 0.3 s; the gateway spent 1 s; the machine 4 s in all.
      pids = [1, 3];
      cpu.delete(2);
      cpu.set(1, 10.5).set(3, 0.3).set(7, 4);
      machine = 104;
      now.mockReturnValue(3_000);
      sampler.sample();

      const percent = sampler.cpuPercentBetween(1_000, 3_000);
      expect(percent.postgres).toBeCloseTo(40); // (0.5 + 0.3) s / 2 s
      expect(percent.gateway).toBeCloseTo(50);
      expect(percent.others).toBeCloseTo(110); // 200% busy, 90% of it ours
    } finally {
      now.mockRestore();
    }
  });

  it("prices the wait for a core the same way, and never below zero when a thread's share went", () => {
    const now = jest.spyOn(Date, 'now');
    try {
      pids = [1, 2];
      cpu.set(1, 0).set(2, 0).set(7, 0);
      waited.set(1, 1).set(2, 5).set(7, 3);
      now.mockReturnValue(10_000);
      sampler.sample();

      // Over 1 s: backend 1 waited 0.1 s, backend 2's sum fell (a thread of it ended), the gateway's
      // threads waited 0.25 s.
      waited.set(1, 1.1).set(2, 4).set(7, 3.25);
      now.mockReturnValue(11_000);
      sampler.sample();

      const percent = sampler.runQueuePercentBetween(10_000, 11_000);
      expect(percent.postgres).toBeCloseTo(10);
      expect(percent.gateway).toBeCloseTo(25);
      expect(percent.others).toBeUndefined();
    } finally {
      now.mockRestore();
    }
  });
});
