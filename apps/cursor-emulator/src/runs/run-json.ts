import type { Run } from '@lap/cursor-client';
import type { EmulatedRun } from './emulated-run';

/** The run as `GET run` (and the create calls) answer it. */
export function runJson(run: EmulatedRun): Run {
  const json: Run = {
    id: run.id,
    agentId: run.agentId,
    status: run.status,
    createdAt: new Date(run.createdAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
  };
  if (run.durationMs !== undefined) json.durationMs = run.durationMs;
  if (run.resultText !== undefined) json.result = run.resultText;
  if (run.git) json.git = run.git;
  return json;
}
