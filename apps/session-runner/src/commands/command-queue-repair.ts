import type { NatsNames } from '@lap/contracts';
import type { DurableWorker, QueueState, SubjectLog } from '@lap/messaging';
import type { CommandProcessor, ProcessorLogger } from './command-processor';

export interface QueueRepairOutcome {
  /** Commands done before the crash, taken out of the queue. */
  removed: number;
  /** The consumer was made again, to deliver commands it would have skipped. */
  remade: boolean;
}

/**
 * Keeps every queued command deliverable after a NATS crash. nats-server 2.9's file store can come back
 * from a hard kill with the work queue and its consumer out of step (nats-server issues 6600 and 6881,
 * fixed in 2.10/2.11):
 *
 * - the stream's sequence gone back (its index lost with the end of the stream) while the consumer
 *   remembers delivering further: commands then stored under sequences it has passed are never
 *   delivered;
 * - a command in the stream that the consumer counts acknowledged: done before the crash (its removal
 *   lost), or new and stored under a sequence it had passed.
 *
 * A consumer cannot be reset in place, so it is made again: it then delivers every queued command from
 * the first, and the repeat of one already done is recognised (`CommandProcessor.standing`).
 */
export class CommandQueueRepair {
  constructor(
    private readonly worker: DurableWorker,
    private readonly commands: SubjectLog,
    private readonly processor: CommandProcessor,
    private readonly names: NatsNames,
    private readonly logger: ProcessorLogger,
  ) {}

  private running?: Promise<QueueRepairOutcome>;

  /**
   * One look at the queue; a call while one is under way shares it. Cheap when all is well: two info
   * requests.
   */
  run(): Promise<QueueRepairOutcome> {
    this.running ??= this.look().finally(() => (this.running = undefined));
    return this.running;
  }

  private async look(): Promise<QueueRepairOutcome> {
    const glance = await this.worker.queueState();
    if (glance.deliveredSeq > glance.lastSeq) {
      const why = `its stream's last sequence is ${glance.lastSeq}, yet its consumer delivered up to ${glance.deliveredSeq}`;
      return { removed: 0, remade: await this.remake(glance.consumerCreated, why) };
    }
    if (looksInStep(glance)) return { removed: 0, remade: false };
    // A command stored or acknowledged between the two reads of a look can make it seem out of step:
    // a second look, and only then a closer one. From here on, what is delivered or acknowledged cannot
    // make a command look skipped.
    const state = await this.worker.queueState();
    if (looksInStep(state)) return { removed: 0, remade: false };
    const { removed, skipped } = await this.lookThrough(state);
    if (removed > 0)
      this.logger.warn(`removed ${removed} command(s) done before a NATS restart that it left queued`);
    const remade =
      skipped > 0 &&
      (await this.remake(state.consumerCreated, `${skipped} queued command(s) will never be delivered`));
    return { removed, remade };
  }

  /**
   * Goes through the commands the consumer has passed. Removes the ones done. Counts as skipped a
   * command under the ack floor that is not done, and those in the rest that outnumber the acks awaited.
   */
  private async lookThrough(state: QueueState): Promise<{ removed: number; skipped: number }> {
    let removed = 0;
    let skipped = 0;
    let awaitingAck = 0;
    for (
      let queued = await this.commands.next<unknown>(this.names.allCommands, state.firstSeq);
      queued && queued.seq <= state.deliveredSeq;
      queued = await this.commands.next<unknown>(this.names.allCommands, queued.seq + 1)
    ) {
      const standing = await this.processor.standing(queued);
      if (standing === 'done') {
        if (await this.commands.remove(queued.seq)) removed++;
      } else if (queued.seq > state.ackFloorSeq) {
        awaitingAck++;
      } else if (standing === 'not_done') {
        skipped++;
      }
      // `unknown_yet` under the floor: another run of its session is under way; a later look tells.
    }
    return { removed, skipped: skipped + Math.max(0, awaitingAck - state.ackPendingCount) };
  }

  private async remake(created: string, why: string): Promise<boolean> {
    const remade = await this.worker.remakeConsumer(created);
    if (remade) {
      this.logger.warn(
        `the command queue was out of step after a NATS restart (${why}); made its consumer again: ` +
          'every queued command is delivered once more, and the ones already done are recognised',
      );
    }
    return remade;
  }
}

/** No message under the ack floor, and no more delivered ones stored than acks awaited. */
function looksInStep(state: QueueState): boolean {
  if (state.messages === 0) return true;
  const delivered = state.messages - state.undeliveredCount;
  return state.firstSeq > state.ackFloorSeq && delivered <= state.ackPendingCount;
}
