import { readFileSync } from 'fs';
import { FrameTally, profileFilesIn, type CallFrame, type TalliedEntry } from './frame-tally';

interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  name: string;
  selfMs: number;
  /** Share of the process's busy time (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  process: string;
  busyMs: number;
  idleMs: number;
  topFunctions: SelfTimeEntry[];
  /** Self time grouped by where the code lives: a package, an app, node internals, GC. */
  byOrigin: SelfTimeEntry[];
}

/** Self time per function of one `.cpuprofile` (what `node --cpu-prof` writes at exit). */
export function summarizeProfile(file: string, processName: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const busy = new FrameTally();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') idleUs += us;
    else busy.add(frame, us);
  }
  const inMs = ({ name, amount, percent }: TalliedEntry): SelfTimeEntry => ({
    name,
    selfMs: Math.round(amount / 1000),
    percent,
  });
  return {
    process: processName,
    busyMs: Math.round(busy.total / 1000),
    idleMs: Math.round(idleUs / 1000),
    topFunctions: busy.top(top, 'function').map(inMs),
    byOrigin: busy.top(10, 'origin').map(inMs),
  };
}

/** Summarizes every profile under `dir/<process>/`. */
export function summarizeProfileDir(dir: string, top = 15): ProfileSummary[] {
  return profileFilesIn(dir, '.cpuprofile').map(({ processName, file }) =>
    summarizeProfile(file, processName, top),
  );
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const lines = [
    `${summary.process}: busy ${summary.busyMs} ms (idle ${summary.idleMs} ms)`,
    '  by origin: ' + summary.byOrigin.map((entry) => `${entry.name} ${entry.percent}%`).join(', '),
  ];
  for (const entry of summary.topFunctions) {
    lines.push(
      `  ${String(entry.percent).padStart(5)}%  ${String(entry.selfMs).padStart(6)} ms  ${entry.name}`,
    );
  }
  return lines.join('\n');
}
