import type { StreamFaultSpec } from './fault-spec';

/** What a stream connection must do before writing its next frame. */
export type ConnectionFault =
  | { kind: 'drop_after' | 'reset_after' | 'unavailable_after' | 'done_after' }
  | { kind: 'stall_after'; ms: number };

type ConnectionFaultSpec = Exclude<StreamFaultSpec, { kind: 'slow' | 'no_result' }>;

/**
 * One run's stream faults and how many times each may still fire. Connection faults count the frames
 * written on one connection, so a client that reconnects (and resumes) is dropped again only while the
 * fault has `times` left.
 */
export class StreamFaultPlan {
  private readonly connectionFaults: { spec: ConnectionFaultSpec; remaining: number }[] = [];
  private readonly slowFaults: Extract<StreamFaultSpec, { kind: 'slow' }>[] = [];
  /** The run ends with `done` alone: its log never carries the `result` frame. */
  readonly omitsResult: boolean = false;

  constructor(specs: StreamFaultSpec[]) {
    for (const spec of specs) {
      if (spec.kind === 'slow') this.slowFaults.push(spec);
      else if (spec.kind === 'no_result') this.omitsResult ||= spec.enabled;
      else if (spec.times > 0) this.connectionFaults.push({ spec, remaining: spec.times });
    }
  }

  /** Nothing for a stream connection to apply (the result-less ending is the run's own business). */
  get isEmpty(): boolean {
    return this.connectionFaults.length === 0 && this.slowFaults.length === 0;
  }

  /** The fault due on a connection that has written `framesWritten` frames, if any; consumes it. */
  takeConnectionFault(framesWritten: number): ConnectionFault | undefined {
    const entry = this.connectionFaults.find((e) => e.remaining > 0 && e.spec.frames === framesWritten);
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.spec.kind === 'stall_after'
      ? { kind: 'stall_after', ms: entry.spec.ms }
      : { kind: entry.spec.kind };
  }

  /** Extra delay before the run's frame number `frameIndex` (0-based). */
  extraDelayBefore(frameIndex: number): number {
    let delay = 0;
    for (const slow of this.slowFaults) {
      if (frameIndex >= slow.after && frameIndex < slow.after + slow.count) delay += slow.ms;
    }
    return delay;
  }
}
