import { readdirSync, readFileSync } from 'fs';

/** CPU time and resident memory of one process, read from /proc (Linux). */
export interface ProcessUsage {
  /** user + system CPU time, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
}

// The kernel reports CPU time in clock ticks; USER_HZ is 100 on every Linux the bench targets.
const CLOCK_TICKS_PER_SECOND = 100;

export function readProcessUsage(pid: number): ProcessUsage | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds: (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

/**
 * How long the process's threads were ready to run but waited for a core, in seconds: what a busy
 * machine adds to every hop. Summed over the threads alive now, from each one's
 * `/proc/<pid>/task/<tid>/schedstat` ("time on a core, time waiting on a run queue (ns), slices");
 * null when the process is gone.
 */
export function readRunQueueSeconds(pid: number): number | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let waitedNs = 0;
  for (const tid of tids) {
    try {
      waitedNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) || 0;
    } catch {
      // The thread ended meanwhile, or the kernel keeps no scheduler statistics.
    }
  }
  return waitedNs / 1e9;
}

/** CPU used between two readings, as a percentage of one core. */
export function cpuPercentBetween(
  before: ProcessUsage | null,
  after: ProcessUsage | null,
  wallSeconds: number,
): number | null {
  if (!before || !after || wallSeconds <= 0) return null;
  return ((after.cpuSeconds - before.cpuSeconds) / wallSeconds) * 100;
}

/** CPU time the whole machine spent busy (all cores, every process), in seconds: the noise gauge. */
export function readMachineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu user nice system idle iowait irq softirq steal …: busy is everything but idle and iowait.
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = ticks.reduce((sum, n) => sum + n, 0) - ticks[3] - (ticks[4] ?? 0);
    return busy / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
