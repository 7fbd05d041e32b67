import { existsSync, readdirSync, readFileSync } from 'fs';
import path from 'path';
import { originOf, shortLocation, type CallFrame } from './call-frames';

/** A node of a sampling heap profile (`HeapProfiler.stopSampling`): bytes allocated right there. */
interface AllocationNode {
  callFrame: CallFrame;
  selfSize: number;
  children: AllocationNode[];
}

export interface AllocatedBytesEntry {
  name: string;
  megabytes: number;
  /** Share of everything the process allocated while sampled. */
  percent: number;
}

export interface AllocationSummary {
  process: string;
  /** Sampled estimate of all bytes allocated, freed since or not. */
  totalMegabytes: number;
  topFunctions: AllocatedBytesEntry[];
  /** Allocated bytes grouped by where the allocating code lives (a package, an app, node internals). */
  byOrigin: AllocatedBytesEntry[];
}

/** Bytes allocated per function of one `.heapprofile` the allocation sampler wrote. */
export function summarizeAllocationProfile(
  profile: { head: AllocationNode },
  processName: string,
  top = 15,
): AllocationSummary {
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let total = 0;
  const pending = [profile.head];
  for (let node = pending.pop(); node; node = pending.pop()) {
    pending.push(...node.children);
    if (node.selfSize === 0) continue;
    total += node.selfSize;
    const name = shortLocation(node.callFrame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    const origin = originOf(node.callFrame);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + node.selfSize);
  }
  const rank = (map: Map<string, number>, n: number): AllocatedBytesEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, bytes]) => ({
        name,
        megabytes: Math.round(bytes / 1e5) / 10,
        percent: total ? Math.round((bytes / total) * 1000) / 10 : 0,
      }));
  return {
    process: processName,
    totalMegabytes: Math.round(total / 1e5) / 10,
    topFunctions: rank(byFunction, top),
    byOrigin: rank(byOrigin, 10),
  };
}

/** Summarizes every allocation profile under `dir/<process>/`. */
export function summarizeAllocationProfileDir(dir: string, top = 15): AllocationSummary[] {
  if (!existsSync(dir)) return [];
  const out: AllocationSummary[] = [];
  for (const processName of readdirSync(dir)) {
    const folder = path.join(dir, processName);
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.heapprofile'))) {
      const profile = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as { head: AllocationNode };
      out.push(summarizeAllocationProfile(profile, processName, top));
    }
  }
  return out;
}

export function formatAllocationSummary(summary: AllocationSummary): string {
  const lines = [
    `${summary.process}: allocated ${summary.totalMegabytes} MB`,
    '  by origin: ' + summary.byOrigin.map((entry) => `${entry.name} ${entry.percent}%`).join(', '),
  ];
  for (const entry of summary.topFunctions) {
    lines.push(
      `  ${String(entry.percent).padStart(5)}%  ${String(entry.megabytes).padStart(7)} MB  ${entry.name}`,
    );
  }
  return lines.join('\n');
}
