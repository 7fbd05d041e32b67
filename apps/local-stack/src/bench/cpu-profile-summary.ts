import { existsSync, readdirSync, readFileSync } from 'fs';
import path from 'path';
import { originOf, shortLocation, type CallFrame } from './call-frames';

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
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const name = shortLocation(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const origin = originOf(frame);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  const rank = (map: Map<string, number>, n: number): SelfTimeEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 1000),
        percent: busyUs ? Math.round((us / busyUs) * 1000) / 10 : 0,
      }));
  return {
    process: processName,
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    topFunctions: rank(byFunction, top),
    byOrigin: rank(byOrigin, 10),
  };
}

/** Summarizes every profile under `dir/<process>/`. */
export function summarizeProfileDir(dir: string, top = 15): ProfileSummary[] {
  if (!existsSync(dir)) return [];
  const out: ProfileSummary[] = [];
  for (const processName of readdirSync(dir)) {
    const folder = path.join(dir, processName);
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.cpuprofile'))) {
      out.push(summarizeProfile(path.join(folder, file), processName, top));
    }
  }
  return out;
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
