import type { SequenceDiff } from './sequence-check';
import type { ChaosOutcome } from './chaos-run';
import { percentile } from './failover-times';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The figures of a chaos run, as printed at its end. */
export function chaosReport(outcome: ChaosOutcome): string {
  const { profile, verdicts } = outcome;
  const sum = (pick: (v: (typeof verdicts)[number]) => number) => verdicts.reduce((n, v) => n + pick(v), 0);
  const listed = (pick: (diff: SequenceDiff) => number) =>
    outcome.projection.reduce((n, { diff }) => n + pick(diff), 0);
  const faultCounts = new Map<string, number>();
  for (const fault of outcome.faults) faultCounts.set(fault.kind, (faultCounts.get(fault.kind) ?? 0) + 1);
  for (const [kind, fired] of Object.entries(outcome.cursorFaultsFired))
    faultCounts.set(`cursor.${kind}`, fired);
  const failoverLines = [...new Set(outcome.failovers.map((f) => f.kind))].map((kind) => {
    const ofKind = outcome.failovers.filter((f) => f.kind === kind);
    const times = ofKind.flatMap((f) => (f.ms === null ? [] : [f.ms]));
    const kept = ofKind.filter((f) => f.ms === null && f.keptByWokenRunner).length;
    const never = ofKind.length - times.length - kept;
    const taken = times.length
      ? `p50 ${seconds(percentile(times, 50))}  max ${seconds(Math.max(...times))}`
      : '';
    return `    ${kind.padEnd(16)} sessions ${String(ofKind.length).padStart(3)}  ${taken}${kept ? `  kept by the runner that woke first: ${kept}` : ''}${never ? `  NEVER TAKEN OVER ${never}` : ''}`;
  });
  const sseDelays = verdicts.flatMap((v) => v.sseDelays);
  const messages = outcome.plans.reduce((n, p) => n + p.messages.length, 0);
  return [
    `chaos run: profile ${profile.name}, seed ${outcome.seed} (replay with CHAOS_SEED=${outcome.seed}), ${seconds(outcome.elapsedMs)}`,
    `  processes: ${profile.runners} runners (ack wait ${profile.runnerAckWaitMs} ms), ${profile.normalizers} normalizers, ${profile.gateways} gateways, credentials, emulator, private nats-server; PostgreSQL through a relay`,
    `  sessions: ${verdicts.length} (${messages} messages, ${outcome.runs} Cursor runs), incomplete: ${outcome.incomplete.length}`,
    `  faults injected: ${outcome.faults.length + Object.values(outcome.cursorFaultsFired).reduce((a, b) => a + b, 0)}`,
    ...[...faultCounts.entries()].sort().map(([kind, n]) => `    ${kind.padEnd(28)} ${n}`),
    `  events checked (JetStream <P>.events.<S> vs undisturbed run): ${sum((v) => v.events.observed)} of ${sum((v) => v.events.expected)} expected; lost ${sum((v) => v.events.lost)}, duplicated ${sum((v) => v.events.duplicated)}, out of order ${sum((v) => v.events.outOfOrder)}; chain breaks ${sum((v) => v.eventChainBreaks)}`,
    `  SSE frames checked (resuming clients vs JetStream): ${sum((v) => v.sse.observed)}; lost ${sum((v) => v.sse.lost)}, duplicated ${sum((v) => v.sse.duplicated)}, out of order ${sum((v) => v.sse.outOfOrder)}; reconnections ${outcome.sseReconnects}, streams ended by a gateway's error frame ${outcome.sseStreamErrors}`,
    `  REST event lists (the projection) vs JetStream: ${listed((d) => d.observed)} events listed; lost ${listed((d) => d.lost)}, duplicated ${listed((d) => d.duplicated)}, out of order ${listed((d) => d.outOfOrder)}`,
    `  SSE delivery delay (stored -> received by the client, through the faults): p50 ${seconds(percentile(sseDelays, 50))}, p99 ${seconds(percentile(sseDelays, 99))}, max ${seconds(Math.max(...sseDelays))}`,
    `  raw Cursor frames checked: ${sum((v) => v.cursorFrames)}; duplicated ${sum((v) => v.duplicateCursorFrames)}; raw chain breaks ${sum((v) => v.rawChainBreaks)}; upstream stream connections ${outcome.upstreamConnections} for ${outcome.runs} runs`,
    `  failover (runner lost -> first raw record by the runner that took over):`,
    ...(failoverLines.length ? failoverLines : ['    (no runner held a live session when it was hit)']),
    ...outcome.outages.map(
      (o) =>
        `  PostgreSQL outage: API answered ${o.status} "${o.message}"; SSE frames delivered meanwhile: ${o.framesDuringOutage}; all services ready again ${seconds(o.recoveredAfterMs ?? NaN)} after it returned`,
    ),
    `  longest pauses (raw log / events) of the slowest sessions:`,
    ...[...verdicts]
      .sort((a, b) => b.longestEventPause.ms - a.longestEventPause.ms)
      .slice(0, 3)
      .map(
        (v) =>
          `    ${v.sessionId}: raw ${seconds(v.longestRawPause.ms)} after ${v.longestRawPause.after?.toISOString()}, events ${seconds(v.longestEventPause.ms)} after ${v.longestEventPause.after?.toISOString()}`,
      ),
    `  last session finished at ${new Date(Math.max(...verdicts.map((v) => v.finishedAt?.getTime() ?? 0))).toISOString()}`,
    `  left over: ${outcome.commandsLeft} commands, ${outcome.rawPending} raw records un-normalized or un-acked`,
  ].join('\n');
}
