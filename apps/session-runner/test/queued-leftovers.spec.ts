import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { newSessionId, type SessionCommand, type UserMessageCommand } from '@lap/contracts';
import type { SubjectLog } from '@lap/messaging';
import type { TestNats } from '@lap/testing';
import { SessionLogRepository } from '../src/session-log/session-log.repository';
import { credentialsAway } from './support/credentials-stand-in';
import { RunnerTestBed } from './support/runner-test-bed';
import {
  deliveredCommand,
  newSettling,
  userInterrupt as interrupt,
  userMessage as message,
} from './support/session-commands';

/**
 * nats-server 2.9 can come back from a restart with a command in the work queue that its consumer
 * counts as acknowledged: never delivered again, it sat at the head of its session's subject and held
 * every later message of the session back for good. Here such leftovers are made by starting the
 * runners' consumer past them.
 */
describe('session runner: commands a NATS restart left queued after their run settled', () => {
  let bed: RunnerTestBed;
  let nats: TestNats;
  let commands: SubjectLog;
  let raw: SubjectLog;

  beforeAll(async () => {
    bed = await RunnerTestBed.open('leftover', { alice: 'cursor-key-alice-1234' });
    ({ nats, commands, raw } = bed);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const send = (command: SessionCommand) => bed.send(command);

  const settledInRawLog = (command: UserMessageCommand) => bed.recordSettled(command);
  const recordedInRawLog = (command: SessionCommand) => bed.recordInterrupt(command);

  it('sweeps out a queued command the raw log shows done, never one it does not', async () => {
    const done = message(newSessionId(), 'done');
    const live = message(newSessionId(), 'live');
    await settledInRawLog(done);
    // An interrupt recorded in its session's raw log, and one that is not (yet).
    const recorded = interrupt(done.sessionId);
    const pending = interrupt(done.sessionId);
    await recordedInRawLog(recorded);
    const log = await new SessionLogRepository(raw, nats.names).open(live.sessionId);
    const at = new Date().toISOString();
    await log.append({ kind: 'message.taken', commandId: live.commandId, text: live.text, at });
    // An interrupt recorded while its run goes on: Cursor refused the cancel, and it waits to come back.
    const refused = interrupt(live.sessionId);
    const run = { commandId: live.commandId, agentId: 'bc-1', runId: 'run-1', at };
    await log.append({ kind: 'cursor.agent_created', ...run });
    await bed.recordInterrupt(refused, run.runId);
    // A message done before a later one of its session ran: the log's position names the later one.
    const earlier = message(newSessionId(), 'earlier');
    await settledInRawLog(earlier);
    await settledInRawLog(message(earlier.sessionId, 'later'));
    const doneSeq = await send(done);
    const liveSeq = await send(live);
    const recordedSeq = await send(recorded);
    const pendingSeq = await send(pending);
    const refusedSeq = await send(refused);
    const earlierSeq = await send(earlier);
    // The sweep reads only the queue and the raw logs.
    const processor = bed.processor();

    expect(await processor.removeSettledLeftovers()).toBe(3);
    expect(await commands.at(doneSeq)).toBeNull();
    expect(await commands.at(recordedSeq)).toBeNull();
    expect(await commands.at(earlierSeq)).toBeNull();
    expect((await commands.at(liveSeq))?.seq).toBe(liveSeq);
    expect((await commands.at(pendingSeq))?.seq).toBe(pendingSeq);
    expect((await commands.at(refusedSeq))?.seq).toBe(refusedSeq);
    for (const seq of [liveSeq, pendingSeq, refusedSeq]) await commands.remove(seq);
  });

  it('leaves a done command unacknowledged when its sequence now holds another', async () => {
    const done = message(newSessionId(), 'done');
    await settledInRawLog(done);
    // The stream's sequence went back in a NATS crash: a new command was stored under the sequence
    // `done` had been delivered with. Acknowledging `done` would remove the newcomer.
    const newcomerSeq = await send(message(newSessionId(), 'newcomer'));
    const settling = newSettling();
    const processor = bed.processor({ control: { hold: () => () => undefined } });

    await processor.handle(
      deliveredCommand(nats.names, done, newcomerSeq, settling),
      new AbortController().signal,
    );
    expect(settling).toEqual({ naks: [], acks: [] });
    expect((await commands.at(newcomerSeq))?.seq).toBe(newcomerSeq);
    await commands.remove(newcomerSeq);
  });

  it.each([
    ['a message whose run is settled', 'message'],
    ['an interrupt that is recorded', 'interrupt'],
  ])('takes a message held up by %s ahead of it, removing that one', async (_what, kind) => {
    const sessionId = newSessionId();
    const first = message(sessionId, 'first');
    await settledInRawLog(first);
    const ahead = kind === 'message' ? first : interrupt(sessionId);
    if (kind === 'interrupt') await recordedInRawLog(ahead);
    const leftoverSeq = await send(ahead);
    const second = message(sessionId, 'second');
    const secondSeq = await send(second);
    const resolved: string[] = [];
    const settling = newSettling();
    const processor = bed.processor({
      control: { hold: () => () => undefined },
      // Taking the message goes as far as asking for the owner's key, which is away for now.
      credentials: credentialsAway(resolved),
      queueRetryMs: 1_000,
    });
    const item = deliveredCommand(nats.names, second, secondSeq, settling);

    await processor.handle(item, new AbortController().signal);
    expect(await commands.at(leftoverSeq)).toBeNull();
    expect(resolved).toEqual(['alice']);
    expect(settling.naks).toEqual([1_000]);
    await commands.remove(secondSeq);
  });

  it('sweeps a settled command out of the queue at start-up, even one a runner still holds', async () => {
    const held = message(newSessionId(), 'held');
    await settledInRawLog(held);
    const heldSeq = await send(held);
    const config = bed.runnerConfig({ RUNNER_ACK_WAIT_MS: 60_000 });
    // A runner that recorded the run's end and froze before acknowledging: the command is its for a minute.
    await nats.client.jsm.consumers.add(nats.names.streams.commands, {
      durable_name: nats.names.consumers.runners,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: nats.names.allCommands,
      ack_wait: config.RUNNER_ACK_WAIT_MS * 1_000_000,
    });
    const consumer = await nats.client.js.consumers.get(
      nats.names.streams.commands,
      nats.names.consumers.runners,
    );
    const taken = await consumer.next({ expires: 5_000 });
    expect(taken?.seq).toBe(heldSeq);

    await bed.startRunner(config);
    expect(await commands.at(heldSeq)).toBeNull();
    expect((await nats.client.jsm.streams.info(nats.names.streams.commands)).state.messages).toBe(0);
  });
});
