import { readFileSync } from 'fs';
import { FrameTally, profileFilesIn, type CallFrame, type TalliedEntry } from './frame-tally';

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
  const allocated = new FrameTally();
  const pending = [profile.head];
  for (let node = pending.pop(); node; node = pending.pop()) {
    pending.push(...node.children);
    if (node.selfSize > 0) allocated.add(node.callFrame, node.selfSize);
  }
  const inMegabytes = ({ name, amount, percent }: TalliedEntry): AllocatedBytesEntry => ({
    name,
    megabytes: toMegabytes(amount),
    percent,
  });
  return {
    process: processName,
    totalMegabytes: toMegabytes(allocated.total),
    topFunctions: allocated.top(top, 'function').map(inMegabytes),
    byOrigin: allocated.top(10, 'origin').map(inMegabytes),
  };
}

/** Summarizes every allocation profile under `dir/<process>/`. */
export function summarizeAllocationProfileDir(dir: string, top = 15): AllocationSummary[] {
  return profileFilesIn(dir, '.heapprofile').map(({ processName, file }) =>
    summarizeAllocationProfile(
      JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode },
      processName,
      top,
    ),
  );
}

const toMegabytes = (bytes: number) => Math.round(bytes / 1e5) / 10;

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
