import { readMachineBusySeconds, readProcessUsage, type ProcessUsage } from './process-usage';

export interface WatchedProcess {
  name: string;
  /** Several pids are summed (e.g. the PostgreSQL backends serving the bench's database). */
  pids: () => number[];
}

const MACHINE = '(machine)';

interface Sample {
  atMs: number;
  usage: Map<string, ProcessUsage>;
}

/**
 * Reads CPU time and RSS of the platform's processes every `intervalMs`, so any window of a run (say
 * the steady middle of the throughput phase) can be priced afterwards without having been known ahead.
 */
export class UsageSampler {
  private readonly samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  /** Bounded memory: at 4 samples/s this is over an hour. */
  private static readonly MAX_SAMPLES = 20_000;

  constructor(
    private readonly processes: WatchedProcess[],
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): Sample {
    const usage = new Map<string, ProcessUsage>();
    for (const process of this.processes) {
      let total: ProcessUsage | null = null;
      for (const pid of process.pids()) {
        const one = readProcessUsage(pid);
        if (!one) continue;
        total = total
          ? { cpuSeconds: total.cpuSeconds + one.cpuSeconds, rssBytes: total.rssBytes + one.rssBytes }
          : one;
      }
      if (total) usage.set(process.name, total);
    }
    // The whole machine, as a pseudo-process: what is left after ours is other people's load.
    const machine = readMachineBusySeconds();
    if (machine !== null) usage.set(MACHINE, { cpuSeconds: machine, rssBytes: 0 });
    const sample = { atMs: Date.now(), usage };
    this.samples.push(sample);
    if (this.samples.length > UsageSampler.MAX_SAMPLES) this.samples.shift();
    return sample;
  }

  /**
   * CPU of each process between two wall-clock times, in % of one core (nearest samples), plus
   * `others`: what the rest of the machine used meanwhile (other people's test suites), the noise.
   */
  cpuPercentBetween(fromMs: number, toMs: number): Record<string, number> {
    const first = this.nearest(fromMs);
    const last = this.nearest(toMs);
    const out: Record<string, number> = {};
    if (!first || !last || last.atMs <= first.atMs) return out;
    const seconds = (last.atMs - first.atMs) / 1000;
    for (const [name, after] of last.usage) {
      const before = first.usage.get(name);
      if (before) out[name] = ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100;
    }
    if (out[MACHINE] !== undefined) {
      const ours = Object.entries(out).reduce(
        (sum, [name, percent]) => (name === MACHINE ? sum : sum + percent),
        0,
      );
      out.others = Math.max(0, out[MACHINE] - ours);
      delete out[MACHINE];
    }
    return out;
  }

  rssBytesNow(name: string): number | null {
    return this.sample().usage.get(name)?.rssBytes ?? null;
  }

  private nearest(atMs: number): Sample | undefined {
    let best: Sample | undefined;
    for (const sample of this.samples) {
      if (!best || Math.abs(sample.atMs - atMs) < Math.abs(best.atMs - atMs)) best = sample;
    }
    return best;
  }
}
