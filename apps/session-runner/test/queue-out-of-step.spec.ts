import { newSessionId } from '@lap/contracts';
import type { DurableWorker, QueueState, SubjectLog } from '@lap/messaging';
import { CommandProcessor, type CommandProcessorDeps } from '../src/commands/command-processor';
import { CommandQueueRepair } from '../src/commands/command-queue-repair';
import { SessionLogRepository } from '../src/session-log/session-log.repository';
import { RunnerTestBed } from './support/runner-test-bed';
import {
  deliveredCommand,
  newSettling,
  userInterrupt as interrupt,
  userMessage as message,
} from './support/session-commands';

/**
 * nats-server 2.9's file store can come back from a hard kill with the command queue and its consumer
 * out of step (nats-server issues 6600, 6881): the stream's sequence gone back while the consumer
 * remembers delivering further, or commands back under the consumer's ack floor. The consumer skips
 * what is stored under sequences it has passed. A work queue's consumer cannot be put in that state on
 * a healthy server, so the consumer's side is told to the repair here (the chaos suite makes the real
 * fault); the queue and the raw logs are real.
 */
describe('session runner: the command queue repaired after a NATS crash put it out of step', () => {
  let bed: RunnerTestBed;
  let commands: SubjectLog;
  let processor: CommandProcessor;

  beforeAll(async () => {
    bed = await RunnerTestBed.open('outofstep', { alice: 'cursor-key-alice-1234' });
    commands = bed.commands;
    processor = new CommandProcessor({
      names: bed.nats.names,
      commands,
      sessionLogs: new SessionLogRepository(bed.raw, bed.nats.names),
      logger: quiet,
      control: { hold: () => () => undefined },
      credentials: {
        resolve: async () => {
          throw new Error('a command known for done never asks for a key');
        },
      },
      queueRetryMs: 1_000,
    } as unknown as CommandProcessorDeps);
  });

  afterAll(async () => {
    await bed?.close();
  });

  afterEach(async () => {
    await bed.nats.client.jsm.streams.purge(commands.stream);
  });

  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

  /** A worker whose consumer is in `state`; remaking it is recorded, not done. */
  function workerIn(state: Partial<QueueState>, remade: string[]): DurableWorker {
    return {
      queueState: async () => ({
        ...(await streamState()),
        deliveredSeq: 0,
        ackFloorSeq: 0,
        undeliveredCount: 0,
        ackPendingCount: 0,
        consumerCreated: 'made-before-the-crash',
        ...state,
      }),
      remakeConsumer: async (created: string) => {
        remade.push(created);
        return true;
      },
    } as unknown as DurableWorker;
  }

  async function streamState() {
    const { state } = await bed.nats.client.jsm.streams.info(commands.stream);
    return { firstSeq: state.first_seq, lastSeq: state.last_seq, messages: state.messages };
  }

  const repairWith = (worker: DurableWorker) =>
    new CommandQueueRepair(worker, commands, processor, bed.nats.names, quiet).run();

  it("remakes the consumer when it delivered past the stream's last sequence", async () => {
    await bed.send(message(newSessionId(), 'stored after the crash'));
    const { lastSeq } = await streamState();
    const remade: string[] = [];

    expect(
      await repairWith(workerIn({ deliveredSeq: lastSeq + 8, ackFloorSeq: lastSeq + 8 }, remade)),
    ).toEqual({
      removed: 0,
      remade: true,
    });
    expect(remade).toEqual(['made-before-the-crash']);
  });

  it('leaves a queue in step alone', async () => {
    const first = await bed.send(message(newSessionId(), 'live'));
    await bed.send(message(newSessionId(), 'waiting'));
    const remade: string[] = [];
    // One delivered and awaiting its ack, one still to deliver.
    const state = { deliveredSeq: first, ackFloorSeq: first - 1, ackPendingCount: 1, undeliveredCount: 1 };

    expect(await repairWith(workerIn(state, remade))).toEqual({ removed: 0, remade: false });
    expect(remade).toEqual([]);
  });

  it('under the ack floor: removes what is done, remakes the consumer for what is not', async () => {
    // Done before the crash, its removal lost; a later message of its session ran since.
    const earlier = message(newSessionId(), 'earlier');
    await bed.recordSettled(earlier);
    await bed.recordSettled(message(earlier.sessionId, 'later'));
    const recorded = interrupt(earlier.sessionId);
    await bed.recordInterrupt(recorded);
    const earlierSeq = await bed.send(earlier);
    const recordedSeq = await bed.send(recorded);
    // New, stored under a sequence the consumer had passed.
    const skippedSeq = await bed.send(message(newSessionId(), 'skipped'));
    const remade: string[] = [];

    const state = { deliveredSeq: skippedSeq, ackFloorSeq: skippedSeq };
    expect(await repairWith(workerIn(state, remade))).toEqual({ removed: 2, remade: true });
    expect(await commands.at(earlierSeq)).toBeNull();
    expect(await commands.at(recordedSeq)).toBeNull();
    expect((await commands.at(skippedSeq))?.seq).toBe(skippedSeq);
  });

  it('between the floor and the last delivered: remakes only for commands beyond the acks awaited', async () => {
    const live = await bed.send(message(newSessionId(), 'live on a runner'));
    const skipped = await bed.send(message(newSessionId(), 'skipped'));
    const remade: string[] = [];
    const state = { deliveredSeq: skipped, ackFloorSeq: live - 1 };

    expect(await repairWith(workerIn({ ...state, ackPendingCount: 2 }, remade))).toEqual({
      removed: 0,
      remade: false,
    });
    expect(await repairWith(workerIn({ ...state, ackPendingCount: 1 }, remade))).toEqual({
      removed: 0,
      remade: true,
    });
  });

  it('acknowledges without running it a message delivered again that ran before a later one', async () => {
    const earlier = message(newSessionId(), 'earlier');
    await bed.recordSettled(earlier);
    await bed.recordSettled(message(earlier.sessionId, 'later'));
    const seq = await bed.send(earlier);
    const settling = newSettling();

    // Delivered again by a consumer made anew: `credentials.resolve` would throw if it ran.
    await processor.handle(
      deliveredCommand(bed.nats.names, earlier, seq, settling, true),
      new AbortController().signal,
    );
    expect(settling).toEqual({ naks: [], acks: [seq] });
  });
});
