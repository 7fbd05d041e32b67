import type { RunGit, RunStatus } from '@lap/cursor-client';
import { isTerminalRunStatus } from '@lap/cursor-client';
import { StreamFaultPlan } from '../faults/stream-fault-plan';
import type { ScenarioStep } from '../scenarios/scenario-scripts';
import { formatSseFrame } from '../stream/sse-format';

/** A stream connection following the run; told when frames are appended or the run goes away. */
export interface RunSubscriber {
  onFramesAppended(): void;
  onRunDiscarded(): void;
}

export interface EmulatedRunSettings {
  id: string;
  agentId: string;
  script: Iterator<ScenarioStep, void>;
  paceMs: number;
  heartbeatIntervalMs: number;
  faults: StreamFaultPlan;
  /** A process-wide counter, so a frame id is never valid for another run. */
  nextFrameSeq: () => number;
  /** What the run pushed, for scenarios that edit files. */
  gitOutcome: () => RunGit;
}

/**
 * One run: its state (what `GET run` shows), its frame log (what any stream connection replays) and the
 * single timer that moves its script forward, whether or not anyone is watching.
 *
 * The log holds each frame already serialized, plus its sequence number for `Last-Event-ID` lookups,
 * so a connection costs nothing but a cursor into the log.
 */
export class EmulatedRun {
  readonly id: string;
  readonly agentId: string;
  readonly createdAt = Date.now();
  readonly faults: StreamFaultPlan;
  status: RunStatus = 'CREATING';
  updatedAt = this.createdAt;
  endedAt?: number;
  durationMs?: number;
  resultText?: string;
  git?: RunGit;
  /** `done` is in the log: nothing more will be appended, connections close once they sent it. */
  sealed = false;
  /** The retention passed and the log was freed; streams answer 410 `stream_expired`. */
  logDiscarded = false;
  connectionsOpened = 0;
  readonly subscribers = new Set<RunSubscriber>();

  private readonly frameSeqs: number[] = [];
  private readonly frameChunks: string[] = [];
  private assistantText = '';
  private script: Iterator<ScenarioStep, void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastFrameAt = this.createdAt;

  constructor(private readonly settings: EmulatedRunSettings) {
    this.id = settings.id;
    this.agentId = settings.agentId;
    this.faults = settings.faults;
    this.script = settings.script;
  }

  get isTerminal(): boolean {
    return isTerminalRunStatus(this.status);
  }

  get frameCount(): number {
    return this.frameChunks.length;
  }

  get openConnections(): number {
    return this.subscribers.size;
  }

  /**
   * The frames from `from` on, as one text: the first, then as many more as keep the text within
   * `maxChars` (so 0 gives exactly one frame). `count` says how many.
   */
  chunksFrom(from: number, maxChars: number): { text: string; count: number } {
    let until = from + 1;
    let chars = this.frameChunks[from].length;
    while (until < this.frameChunks.length && chars + this.frameChunks[until].length <= maxChars) {
      chars += this.frameChunks[until].length;
      until += 1;
    }
    const text = until === from + 1 ? this.frameChunks[from] : this.frameChunks.slice(from, until).join('');
    return { text, count: until - from };
  }

  /** Starts the timeline: the first frame comes one pace after creation. */
  start(): void {
    this.scheduleStep();
  }

  /**
   * Where a connection resuming after `lastEventId` starts in the log, or undefined when that id was
   * never a frame of this run.
   */
  indexAfter(lastEventId: string): number | undefined {
    const match = /^(\d+)-(\d+)$/.exec(lastEventId);
    if (!match) return undefined;
    const seq = Number(match[2]);
    let low = 0;
    let high = this.frameSeqs.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.frameSeqs[middle] === seq) {
        return this.frameChunks[middle].startsWith(`id: ${lastEventId}\n`) ? middle + 1 : undefined;
      }
      if (this.frameSeqs[middle] < seq) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** Ends the run as CANCELLED; false when it had already ended. */
  cancel(): boolean {
    if (this.isTerminal) return false;
    this.settle('CANCELLED');
    return true;
  }

  /** Frees the frame log once the stream's retention has passed. */
  discardLog(): void {
    this.logDiscarded = true;
    this.frameSeqs.length = 0;
    this.frameChunks.length = 0;
  }

  /** Stops the timer and closes every connection (agent deleted, emulator reset). */
  dispose(): void {
    this.clearTimer();
    this.script = undefined;
    for (const subscriber of [...this.subscribers]) subscriber.onRunDiscarded();
  }

  private scheduleStep(): void {
    const extra = this.faults.isEmpty ? 0 : this.faults.extraDelayBefore(this.frameCount);
    this.scheduleAt(Date.now() + this.settings.paceMs + extra);
  }

  /** Waits until `dueAt` for the next step, filling silences longer than the heartbeat interval. */
  private scheduleAt(dueAt: number): void {
    this.clearTimer();
    const now = Date.now();
    const heartbeatAt = this.lastFrameAt + this.settings.heartbeatIntervalMs;
    if (heartbeatAt < dueAt) {
      this.timer = setTimeout(
        () => {
          this.append('heartbeat', {});
          this.scheduleAt(dueAt);
        },
        Math.max(0, heartbeatAt - now),
      );
    } else {
      this.timer = setTimeout(() => this.advance(), Math.max(0, dueAt - now));
    }
    this.timer.unref();
  }

  private advance(): void {
    this.timer = undefined;
    const step = this.script?.next();
    if (!step || step.done) {
      this.settle('FINISHED');
      return;
    }
    const value = step.value;
    switch (value.kind) {
      case 'frame':
        if (value.event === 'status') this.setStatus(value.data.status as RunStatus);
        if (value.event === 'assistant') this.assistantText += String(value.data.text ?? '');
        this.append(value.event, value.data);
        this.scheduleStep();
        break;
      case 'hang':
        this.scheduleAt(Number.POSITIVE_INFINITY);
        break;
      case 'finish':
        this.settle(value.status, {
          text:
            value.status === 'ERROR'
              ? value.errorText
              : (value.resultText ?? (this.assistantText || undefined)),
          git: value.editsFiles ? this.settings.gitOutcome() : undefined,
        });
        break;
    }
  }

  private settle(status: RunStatus, outcome: { text?: string; git?: RunGit } = {}): void {
    this.clearTimer();
    this.script = undefined;
    this.setStatus(status);
    this.endedAt = this.updatedAt;
    this.durationMs = this.endedAt - this.createdAt;
    this.resultText = outcome.text;
    this.git = outcome.git;
    const result: Record<string, unknown> = { runId: this.id, status, durationMs: this.durationMs };
    if (outcome.text !== undefined) result.text = outcome.text;
    if (outcome.git) result.git = outcome.git;
    // A `no_result` fault: the stream ends as if Cursor lost the frame; `GET run` still knows the outcome.
    if (!this.faults.omitsResult) this.append('result', result);
    this.sealed = true;
    this.append('done', { runId: this.id });
  }

  private setStatus(status: RunStatus): void {
    this.status = status;
    this.updatedAt = Date.now();
  }

  private append(event: string, data: unknown): void {
    const seq = this.settings.nextFrameSeq();
    const now = Date.now();
    this.frameSeqs.push(seq);
    this.frameChunks.push(formatSseFrame(`${now}-${seq}`, event, data));
    this.lastFrameAt = now;
    for (const subscriber of this.subscribers) subscriber.onFramesAppended();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
