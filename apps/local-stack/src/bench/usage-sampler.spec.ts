import { growthByProcess, UsageSampler } from './usage-sampler';

describe('UsageSampler.cpuPercentBetween', () => {
  /** CPU seconds per pid, changed by the test between samples. */
  const cpu = new Map<number, number>();
  let pids: number[] = [];
  let machine = 0;
  const sampler = new UsageSampler(
    [
      { name: 'postgres', pids: () => pids },
      { name: 'gateway', pids: () => [7] },
    ],
    250,
    (pid) => (cpu.has(pid) ? { cpuSeconds: cpu.get(pid)!, rssBytes: 1 } : null),
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
});

describe('growthByProcess', () => {
  it('counts pid by pid: one that came counts whole, one that went not at all, a fall as nothing', () => {
    const before = new Map([
      [
        'postgres',
        new Map([
          [1, 10],
          [2, 50],
        ]),
      ],
      ['gateway', new Map([[7, 3]])],
      ['nats-server', new Map([[9, 5]])],
    ]);
    // Backend 2 went, 3 came; the gateway's sum fell (a thread of it ended); a process only seen after.
    const after = new Map([
      [
        'postgres',
        new Map([
          [1, 10.5],
          [3, 0.3],
        ]),
      ],
      ['gateway', new Map([[7, 2]])],
      ['nats-server', new Map([[9, 6]])],
      ['normalizer', new Map([[11, 4]])],
    ]);
    const grown = growthByProcess(before, after);
    expect(grown.postgres).toBeCloseTo(0.8);
    expect(grown.gateway).toBe(0);
    expect(grown['nats-server']).toBe(1);
    expect(grown.normalizer).toBeUndefined();
  });
});
