import type { ChaosOutcome } from './chaos-run';

export type ProblemArea =
  'completion' | 'faults' | 'events' | 'raw' | 'sse' | 'projection' | 'failover' | 'outage';

/** What went wrong in a chaos run, by area (each area is one test); empty lists when nothing did. */
export function chaosProblems(outcome: ChaosOutcome): Record<ProblemArea, string[]> {
  const { profile, verdicts } = outcome;
  const kinds = new Set(outcome.faults.map((f) => f.kind));
  const cursorFaults = Object.values(outcome.cursorFaultsFired).reduce((a, b) => a + b, 0);
  // Generous: overlapping faults (NATS restarting meanwhile) stretch a takeover past one ack wait.
  const failoverBound = profile.runnerAckWaitMs + 30_000;
  return {
    completion: [
      ...outcome.incomplete.map((id) => `${id} did not finish`),
      ...(outcome.commandsLeft
        ? [`${outcome.commandsLeft} commands left: ${outcome.leftoverCommands.join('; ')}`]
        : []),
      ...(outcome.rawPending ? [`${outcome.rawPending} raw records not normalized or not acked`] : []),
    ],
    faults: [
      ...profile.scriptedFaults.filter((kind) => !kinds.has(kind)).map((kind) => `${kind} was not injected`),
      ...(cursorFaults === 0 ? ['no Cursor stream fault fired'] : []),
    ],
    events: verdicts
      .filter((v) => v.events.lost + v.events.duplicated + v.events.outOfOrder + v.eventChainBreaks > 0)
      .map((v) => `${v.sessionId}: ${JSON.stringify(v.events)}, chain breaks ${v.eventChainBreaks}`),
    raw: verdicts
      .filter((v) => v.duplicateCursorFrames + v.rawChainBreaks > 0)
      .map(
        (v) =>
          `${v.sessionId}: ${v.duplicateCursorFrames} duplicate frames, ${v.rawChainBreaks} chain breaks`,
      ),
    sse: verdicts
      .filter((v) => v.sse.lost + v.sse.duplicated + v.sse.outOfOrder > 0)
      .map((v) => `${v.sessionId}: ${JSON.stringify(v.sse)}`),
    projection: outcome.projection
      .filter(({ diff }) => diff.lost + diff.duplicated + diff.outOfOrder > 0)
      .map(({ sessionId, diff }) => `${sessionId}: ${JSON.stringify(diff)}`),
    failover: outcome.failovers
      .filter((f) => (f.ms === null && !f.keptByWokenRunner) || (f.ms !== null && f.ms > failoverBound))
      .map((f) => `${f.sessionId} after ${f.kind}: ${f.ms === null ? 'never taken over' : `${f.ms} ms`}`),
    outage: [
      ...(outcome.outages.length === 0 ? ['no PostgreSQL outage happened'] : []),
      ...outcome.outages
        .filter((o) => o.status !== 503 || !/database unavailable/.test(o.message))
        .map((o) => `API answered ${o.status} "${o.message}" while PostgreSQL was away`),
    ],
  };
}
