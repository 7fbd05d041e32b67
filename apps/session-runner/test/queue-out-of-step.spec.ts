import { newSessionId } from '@lap/contracts';
import { DurableWorker, NatsClient, sleep, SubjectLog, type QueueState } from '@lap/messaging';
import type { CommandProcessor } from '../src/commands/command-processor';
import { CommandQueueRepair, type QueueRepairOutcome } from '../src/commands/command-queue-repair';
import { credentialsAway } from './support/credentials-stand-in';
import { RunnerTestBed } from './support/runner-test-bed';
import {
  handleDelivered,
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
  /** What the control subject says: whether a runner holds the session. */
  let held = false;

  beforeAll(async () => {
    bed = await RunnerTestBed.open('outofstep', { alice: 'cursor-key-alice-1234' });
    commands = bed.commands;
    processor = bed.processor({
      control: { hold: () => () => undefined, isHeld: async () => held },
      credentials: {
        resolve: async () => {
          throw new Error('a command known for done never asks for a key');
        },
      },
      queueRetryMs: 1_000,
    });
  });

  afterAll(async () => {
    await bed?.close();
  });

  afterEach(async () => {
    held = false;
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
    // A command done, under the floor: the look goes through the queue.
    const done = message(newSessionId(), 'done');
    await bed.recordSettled(done);
    const doneSeq = await bed.send(done);
    await bed.send(message(newSessionId(), 'live on a runner'));
    const skipped = await bed.send(message(newSessionId(), 'skipped'));
    const remade: string[] = [];
    const state = { deliveredSeq: skipped, ackFloorSeq: doneSeq };

    // Two delivered and stored, two acks awaited: in step once the done one is gone.
    expect(await repairWith(workerIn({ ...state, ackPendingCount: 2 }, remade))).toEqual({
      removed: 1,
      remade: false,
    });
    // One ack awaited for two delivered and stored: one will never be delivered again.
    expect(await repairWith(workerIn({ ...state, ackPendingCount: 1 }, remade))).toEqual({
      removed: 0,
      remade: true,
    });
  });

  it('acknowledges without running it a message stored before the consumer that ran before a later one', async () => {
    const earlier = message(newSessionId(), 'earlier');
    await bed.recordSettled(earlier);
    await bed.recordSettled(message(earlier.sessionId, 'later'));
    const seq = await bed.send(earlier);
    // Delivered again by a consumer made anew: `credentials.resolve` would throw if it ran.
    const settling = await handleDelivered(processor, bed.nats.names, earlier, seq, true);
    expect(settling).toEqual({ naks: [], acks: [seq] });
  });

  it('hands back, without running it, a message stored before the consumer while a later run is live', async () => {
    const earlier = message(newSessionId(), 'earlier');
    await bed.recordSettled(earlier);
    await bed.recordLive(message(earlier.sessionId, 'later, still running'));
    const seq = await bed.send(earlier);
    const settling = await handleDelivered(processor, bed.nats.names, earlier, seq, true);
    expect(settling).toEqual({ naks: [1_000], acks: [] });
  });

  it('hands back a message stored before the consumer while the runner first given it still runs it', async () => {
    const running = message(newSessionId(), 'running');
    await bed.recordLive(running);
    const seq = await bed.send(running);
    held = true;
    const settling = await handleDelivered(processor, bed.nats.names, running, seq, true);
    expect(settling).toEqual({ naks: [1_000], acks: [] });
  });

  it('resumes the message its log has under way, though one back from a crash sits ahead of it', async () => {
    // `earlier` ran before `later`; the crash put it back in the queue, ahead of `later`, whose run is
    // live and whose runner died. Waiting for `later` to end, `earlier` must not hold it back.
    const earlier = message(newSessionId(), 'earlier');
    const later = message(earlier.sessionId, 'later');
    await bed.recordSettled(earlier);
    await bed.recordLive(later);
    await bed.send(earlier);
    const laterSeq = await bed.send(later);
    const asked: string[] = [];
    const resuming = bed.processor({
      control: { hold: () => () => undefined },
      // Resuming goes as far as asking for the owner's key, which is away for now.
      credentials: credentialsAway(asked),
      queueRetryMs: 1_000,
    });

    await handleDelivered(resuming, bed.nats.names, later, laterSeq);
    expect(asked).toEqual(['alice']);
  });

  it('acknowledges, without cancelling anything, an interrupt delivered again whose run is over', async () => {
    const first = message(newSessionId(), 'first');
    await bed.recordSettled(first);
    const stop = interrupt(first.sessionId);
    await bed.recordInterrupt(stop, 'run-of-first');
    // A later message's run is live now: the interrupt is not its to stop.
    await bed.recordLive(message(first.sessionId, 'later, still running'));
    const seq = await bed.send(stop);
    const asked: string[] = [];
    const interrupting = bed.processor({
      control: {
        requestInterrupt: async (_sessionId: string, commandId: string) => {
          asked.push(commandId);
          return 'done';
        },
      },
    });
    const settling = await handleDelivered(interrupting, bed.nats.names, stop, seq, true);
    expect({ asked, settling }).toEqual({ asked: [], settling: { naks: [], acks: [seq] } });
  });

  it('never remakes the consumer of a busy queue that is in step', async () => {
    // The worker, the sender and the repair each on a connection of its own, as on separate replicas.
    const [pulling, sending] = await Promise.all(
      ['busy-worker', 'busy-sender'].map((name) => NatsClient.connect({ url: bed.nats.url, name })),
    );
    const options = { stream: commands.stream, durable: 'busy', ackWaitMs: 30_000, concurrency: 20 };
    const worker = new DurableWorker(pulling, { ...options, pullExpiresMs: 500 });
    await worker.ensureConsumer();
    // Commands stored, delivered and acknowledged all the while the repair looks.
    worker.start(async (item) => {
      await sleep(Math.random() * 20);
      await item.ack();
    });
    const queue = new SubjectLog(sending, commands.stream);
    let stopped = false;
    const sender = (async () => {
      while (!stopped) {
        const command = message(newSessionId(), 'busy');
        await queue.append(bed.nats.names.command(command.sessionId), command, { msgId: command.commandId });
      }
    })();
    const looking = new DurableWorker(bed.nats.client, options);
    const repair = new CommandQueueRepair(looking, commands, processor, bed.nats.names, quiet);
    const outcomes: QueueRepairOutcome[] = [];
    try {
      for (let look = 0; look < 400; look++) outcomes.push(await repair.run());
    } finally {
      stopped = true;
      await sender;
      await worker.stop();
      await bed.nats.client.jsm.consumers.delete(options.stream, options.durable);
      await Promise.all([pulling.close(), sending.close()]);
    }
    expect(outcomes.filter((outcome) => outcome.remade || outcome.removed > 0)).toEqual([]);
  });
});
