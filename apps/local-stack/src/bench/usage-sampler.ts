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
  /** Each process's pids and their own readings, so a window counts only what was spent in it. */
  byPid: Map<string, Map<number, ProcessUsage>>;
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
    private readonly readUsage: (pid: number) => ProcessUsage | null = readProcessUsage,
    private readonly readMachine: () => number | null = readMachineBusySeconds,
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
    const byPid = new Map<string, Map<number, ProcessUsage>>();
    for (const process of this.processes) {
      let total: ProcessUsage | null = null;
      const readings = new Map<number, ProcessUsage>();
      for (const pid of process.pids()) {
        const one = this.readUsage(pid);
        if (!one) continue;
        readings.set(pid, one);
        total = total
          ? {
              cpuSeconds: total.cpuSeconds + one.cpuSeconds,
              runQueueSeconds: total.runQueueSeconds + one.runQueueSeconds,
              rssBytes: total.rssBytes + one.rssBytes,
            }
          : one;
      }
      if (total) usage.set(process.name, total);
      byPid.set(process.name, readings);
    }
    // The whole machine, as a pseudo-process: what is left after ours is other people's load.
    const machine = this.readMachine();
    if (machine !== null) usage.set(MACHINE, { cpuSeconds: machine, runQueueSeconds: 0, rssBytes: 0 });
    const sample = { atMs: Date.now(), usage, byPid };
    this.samples.push(sample);
    if (this.samples.length > UsageSampler.MAX_SAMPLES) this.samples.shift();
    return sample;
  }

  /**
   * CPU of each process between two wall-clock times, in % of one core (nearest samples), plus
   * `others`: what the rest of the machine used meanwhile (other people's test suites), the noise.
   * Counted pid by pid: a pid that came meanwhile (a PostgreSQL backend for a new pooled connection)
   * counts whole, one that went is left out (its last moments are lost), never a negative figure.
   */
  cpuPercentBetween(fromMs: number, toMs: number): Record<string, number> {
    const { first, last, out } = this.percentBetween(fromMs, toMs, (usage) => usage.cpuSeconds);
    if (!first || !last) return out;
    const seconds = (last.atMs - first.atMs) / 1000;
    const machineBefore = first.usage.get(MACHINE);
    const machineAfter = last.usage.get(MACHINE);
    if (machineBefore && machineAfter) {
      out[MACHINE] = ((machineAfter.cpuSeconds - machineBefore.cpuSeconds) / seconds) * 100;
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

  /**
   * How long each process's threads waited for a core between two wall-clock times, in % of the
   * window (100% = one thread waiting all along), counted pid by pid as the CPU is.
   */
  runQueuePercentBetween(fromMs: number, toMs: number): Record<string, number> {
    return this.percentBetween(fromMs, toMs, (usage) => usage.runQueueSeconds).out;
  }

  /** A cumulative reading's growth per process between the samples nearest two times, in % of the window. */
  private percentBetween(
    fromMs: number,
    toMs: number,
    reading: (usage: ProcessUsage) => number,
  ): { first?: Sample; last?: Sample; out: Record<string, number> } {
    const first = this.nearest(fromMs);
    const last = this.nearest(toMs);
    const out: Record<string, number> = {};
    if (!first || !last || last.atMs <= first.atMs) return { out };
    const seconds = (last.atMs - first.atMs) / 1000;
    for (const [name, after] of last.byPid) {
      const before = first.byPid.get(name);
      if (!before || after.size === 0) continue;
      let grown = 0;
      for (const [pid, usage] of after) {
        const earlier = before.get(pid);
        // Never below 0: a thread that ended takes its share out of the process's sum.
        grown += Math.max(0, reading(usage) - (earlier ? reading(earlier) : 0));
      }
      out[name] = (grown / seconds) * 100;
    }
    return { first, last, out };
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
