import {
  readMachineBusySeconds,
  readProcessUsage,
  readRunQueueSeconds,
  type ProcessUsage,
} from './process-usage';

export interface WatchedProcess {
  name: string;
  /** Several pids are summed (e.g. the PostgreSQL backends serving the bench's database). */
  pids: () => number[];
}

const MACHINE = '(machine)';

/** A cumulative reading (CPU seconds, say) of each pid of each process, by process name. */
export type ReadingsByPid = Map<string, Map<number, number>>;

/**
 * How much each process's reading grew between two snapshots, counted pid by pid: a pid that came
 * meanwhile (a PostgreSQL backend for a new pooled connection) counts whole, one that went is left out
 * (its last moments are lost), and a reading that fell (a thread of it ended) counts nothing.
 */
export function growthByProcess(before: ReadingsByPid, after: ReadingsByPid): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, readings] of after) {
    const earlier = before.get(name);
    if (!earlier || readings.size === 0) continue;
    let grown = 0;
    for (const [pid, value] of readings) grown += Math.max(0, value - (earlier.get(pid) ?? 0));
    out[name] = grown;
  }
  return out;
}

interface Sample {
  atMs: number;
  usage: Map<string, ProcessUsage>;
  /** Each process's pids and their CPU seconds, so a window counts only what was spent in it. */
  cpuByPid: ReadingsByPid;
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
    const cpuByPid: ReadingsByPid = new Map();
    for (const process of this.processes) {
      let total: ProcessUsage | null = null;
      const byPid = new Map<number, number>();
      for (const pid of process.pids()) {
        const one = this.readUsage(pid);
        if (!one) continue;
        byPid.set(pid, one.cpuSeconds);
        total = total
          ? { cpuSeconds: total.cpuSeconds + one.cpuSeconds, rssBytes: total.rssBytes + one.rssBytes }
          : one;
      }
      if (total) usage.set(process.name, total);
      cpuByPid.set(process.name, byPid);
    }
    // The whole machine, as a pseudo-process: what is left after ours is other people's load.
    const machine = this.readMachine();
    if (machine !== null) usage.set(MACHINE, { cpuSeconds: machine, rssBytes: 0 });
    const sample = { atMs: Date.now(), usage, cpuByPid };
    this.samples.push(sample);
    if (this.samples.length > UsageSampler.MAX_SAMPLES) this.samples.shift();
    return sample;
  }

  /**
   * CPU of each process between two wall-clock times, in % of one core (nearest samples), plus
   * `others`: what the rest of the machine used meanwhile (other people's test suites), the noise.
   * Counted pid by pid (`growthByProcess`).
   */
  cpuPercentBetween(fromMs: number, toMs: number): Record<string, number> {
    const first = this.nearest(fromMs);
    const last = this.nearest(toMs);
    const out: Record<string, number> = {};
    if (!first || !last || last.atMs <= first.atMs) return out;
    const seconds = (last.atMs - first.atMs) / 1000;
    for (const [name, cpuSeconds] of Object.entries(growthByProcess(first.cpuByPid, last.cpuByPid))) {
      out[name] = (cpuSeconds / seconds) * 100;
    }
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
   * Each process's threads' time waiting for a core so far, pid by pid (for `growthByProcess`). Read
   * when asked, not every sample: a process's threads are a file each.
   */
  runQueueSecondsNow(): ReadingsByPid {
    const out: ReadingsByPid = new Map();
    for (const process of this.processes) {
      const readings = new Map<number, number>();
      for (const pid of process.pids()) {
        const seconds = readRunQueueSeconds(pid);
        if (seconds !== null) readings.set(pid, seconds);
      }
      out.set(process.name, readings);
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
