import { newSessionId, type UserMessageCommand } from '@lap/contracts';
import { decodeJson, encodeJson, ensureStreams, NatsClient, SubjectLog } from '@lap/messaging';
import { createTestNats, waitFor, type TestNats } from '@lap/testing';
import { CommandProcessor, type CommandProcessorDeps } from '../src/commands/command-processor';
import { SessionControl, type LiveSession } from '../src/control/session-control';
import { SessionLogRepository } from '../src/session-log/session-log.repository';
import {
  deliveredCommand,
  handleDelivered,
  newSettling,
  userInterrupt,
  userMessage,
} from './support/session-commands';

/**
 * Interrupts reach the runner executing a session over `<P>.ctl.<sessionId>`. A runner that does not
 * answer must never pass for an absent one: the requester would then record the interrupt at the head
 * of the raw log itself, fencing the live holder out and stalling its run for an ack wait.
 */
describe('session control between runners (real NATS)', () => {
  let nats: TestNats;
  let holder: SessionControl;
  let requester: SessionControl;
  // Another runner: its own connection, so only `hold()` itself can make a request find the holder.
  let elsewhere: NatsClient;
  const errors: string[] = [];

  beforeAll(async () => {
    nats = await createTestNats('control');
    const onError = (message: string) => void errors.push(message);
    elsewhere = await NatsClient.connect({ url: nats.url, name: 'control-requester' });
    holder = new SessionControl(nats.client.connection, nats.names, onError);
    requester = new SessionControl(elsewhere.connection, nats.names, onError);
  });

  afterAll(async () => {
    holder.close();
    await elsewhere.close();
    await nats.cleanup();
  });

  /** A live session whose interrupt takes until `until` settles, recording each call. */
  function liveSession(calls: Array<[string, boolean]>, until?: Promise<void>, fails = false): LiveSession {
    return {
      interrupt: async (commandId, record) => {
        calls.push([commandId, record]);
        await until;
        if (fails) throw new Error('Cursor refused the cancel');
        return 'done';
      },
    };
  }

  it('answers nobody for a session no runner holds: no responder, not a timeout', async () => {
    expect(
      await requester.requestInterrupt(newSessionId(), { commandId: 'cmd_1', record: true, queuedSeq: 1 }),
    ).toBe('nobody');
  });

  it('tells whether a runner holds a session, from the moment its hold resolves to its release', async () => {
    const sessionId = newSessionId();
    expect(await requester.isHeld(sessionId)).toBe(false);
    const release = await holder.hold(sessionId, liveSession([]));
    expect(await requester.isHeld(sessionId)).toBe(true);
    release();
    await nats.client.connection.flush();
    expect(await requester.isHeld(sessionId)).toBe(false);
  });

  it('tells a slow holder from an absent one', async () => {
    const sessionId = newSessionId();
    const calls: Array<[string, boolean]> = [];
    let finish = () => undefined as void;
    const cancelling = new Promise<void>((resolve) => (finish = resolve));
    const release = await holder.hold(sessionId, liveSession(calls, cancelling));

    expect(
      await requester.requestInterrupt(sessionId, { commandId: 'cmd_slow', record: true, queuedSeq: 1 }, 300),
    ).toBe('no_answer');
    expect(calls).toEqual([['cmd_slow', true]]);
    finish();
    release();
  });

  it("passes the holder's answer on, and answers nobody once the holder lets the session go", async () => {
    const sessionId = newSessionId();
    const calls: Array<[string, boolean]> = [];
    const release = await holder.hold(sessionId, liveSession(calls));
    expect(
      await requester.requestInterrupt(sessionId, { commandId: 'cmd_a', record: false, queuedSeq: 1 }),
    ).toBe('done');
    expect(calls).toEqual([['cmd_a', false]]);

    release();
    await nats.client.connection.flush();
    expect(
      await requester.requestInterrupt(sessionId, { commandId: 'cmd_b', record: true, queuedSeq: 1 }),
    ).toBe('nobody');
    expect(calls).toHaveLength(1);
  });

  it('answers failed when the holder could not interrupt the run', async () => {
    const sessionId = newSessionId();
    const release = await holder.hold(sessionId, liveSession([], undefined, true));
    expect(
      await requester.requestInterrupt(sessionId, { commandId: 'cmd_f', record: true, queuedSeq: 1 }),
    ).toBe('failed');
    expect(errors).toContain('interrupt failed');
    release();
  });

  it('passes on a holder\'s "not yet" with the interrupt\'s place in the queue, and a request without one', async () => {
    const sessionId = newSessionId();
    const asked: Array<number | undefined> = [];
    const release = await holder.hold(sessionId, {
      interrupt: async (_commandId, _record, queuedSeq) => {
        asked.push(queuedSeq);
        return 'not_yet';
      },
    });
    expect(
      await requester.requestInterrupt(sessionId, { commandId: 'cmd_y', record: true, queuedSeq: 7 }),
    ).toBe('not_yet');
    // A runner of an earlier version sends neither `record` nor the interrupt's place, and reads `ok`.
    const reply = await elsewhere.connection.request(
      nats.names.control(sessionId),
      encodeJson({ type: 'interrupt', commandId: 'cmd_old' }),
      { timeout: 3_000 },
    );
    expect(decodeJson(reply.data)).toMatchObject({ ok: false });
    expect(asked).toEqual([7, undefined]);
    release();
  });

  it('has the newest hold of a session answer; the older one letting go leaves it held', async () => {
    const sessionId = newSessionId();
    const stale: Array<[string, boolean]> = [];
    const current: Array<[string, boolean]> = [];
    const releaseStale = await holder.hold(sessionId, liveSession(stale));
    const releaseCurrent = await holder.hold(sessionId, liveSession(current));
    releaseStale();

    expect(
      await requester.requestInterrupt(sessionId, { commandId: 'cmd_n', record: true, queuedSeq: 1 }),
    ).toBe('done');
    expect({ stale, current }).toEqual({ stale: [], current: [['cmd_n', true]] });
    releaseCurrent();
  });

  describe('an interrupt nobody answers, as the runner that took it handles it', () => {
    let raw: SubjectLog;
    const cancels: string[] = [];
    /** A processor whose requests to the holder get `answer`; `deps` replaces any of its parts. */
    const processorWith = (answer: string, deps: Partial<Record<keyof CommandProcessorDeps, unknown>> = {}) =>
      new CommandProcessor({
        cursorClient: () => ({
          cancelRun: async (agentId: string, runId: string) => void cancels.push(`${agentId}/${runId}`),
        }),
        names: nats.names,
        commands: new SubjectLog(nats.client, nats.names.streams.commands),
        sessionLogs: new SessionLogRepository(raw, nats.names),
        control: { requestInterrupt: async () => answer },
        credentials: { resolve: async () => ({ apiBase: 'http://127.0.0.1:9', apiKey: 'k' }) },
        logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
        holderSilenceMs: 60_000,
        queueRetryMs: 1_000,
        ...deps,
      } as CommandProcessorDeps);

    /** Records the message taken in its session's raw log, then its run `created` or `settled`. */
    const recordTaken = async (message: UserMessageCommand, then: 'created' | 'settled') => {
      const log = await new SessionLogRepository(raw, nats.names).open(message.sessionId);
      const at = new Date().toISOString();
      const run = { commandId: message.commandId, runId: 'run-1', at };
      await log.append({ kind: 'message.taken', commandId: message.commandId, text: message.text, at });
      await log.append(
        then === 'created'
          ? { kind: 'cursor.run_created', agentId: 'bc-1', ...run }
          : { kind: 'run.settled', status: 'FINISHED', source: 'result', ...run },
      );
    };

    /** Queues a message for the session as the gateway does; resolves to it and its sequence. */
    const queueMessage = async (sessionId: string) => {
      const message = userMessage(sessionId, 'hello');
      const commands = new SubjectLog(nats.client, nats.names.streams.commands);
      const { seq } = await commands.append(nats.names.command(sessionId), message, {
        msgId: message.commandId,
      });
      return { message, seq };
    };

    beforeAll(async () => {
      await ensureStreams(nats.client.jsm, nats.names, ['commands', 'raw']);
      raw = new SubjectLog(nats.client, nats.names.streams.raw);
    });

    /** The kind of the session's newest raw record. */
    const lastKind = async (sessionId: string) => {
      const last = await raw.last<{ kind: string }>(nats.names.raw(sessionId));
      return last?.data.kind;
    };

    it('asks again later, recording nothing, while the holder has not been silent for long', async () => {
      const interrupt = userInterrupt(newSessionId());
      const settling = newSettling();

      // Thrown, the worker hands it back with a backoff.
      await expect(
        processorWith('no_answer').handle(
          deliveredCommand(nats.names, interrupt, 1, settling),
          new AbortController().signal,
        ),
      ).rejects.toThrow(/did not answer the interrupt in time/);
      expect(settling).toEqual({ naks: [], acks: [] });
      expect(await lastKind(interrupt.sessionId)).toBeUndefined();
    });

    it('records it itself once the holder has been silent for longer than a lease', async () => {
      const interrupt = userInterrupt(newSessionId());
      const settling = await handleDelivered(
        processorWith('no_answer', { holderSilenceMs: 0 }),
        nats.names,
        interrupt,
        1,
      );
      expect(settling.acks).toEqual([1]);
      expect(await lastKind(interrupt.sessionId)).toBe('interrupt.taken');
    });

    it("never records it while a message's Cursor run is being created: that would fence its runner", async () => {
      const sessionId = newSessionId();
      const log = await new SessionLogRepository(raw, nats.names).open(sessionId);
      const taken = { commandId: 'cmd_creating', text: 'hello', at: new Date().toISOString() };
      await log.append({ kind: 'message.taken', ...taken });
      const interrupt = userInterrupt(sessionId);

      await expect(handleDelivered(processorWith('nobody'), nats.names, interrupt, 2)).rejects.toThrow(
        /its run is being created/,
      );
      expect(await lastKind(sessionId)).toBe('message.taken');
    });

    it('has the holder of a message not taken yet answer "not yet" to an interrupt sent after it', async () => {
      const sessionId = newSessionId();
      const { message, seq } = await queueMessage(sessionId);
      // The holder stays between reading the session's log and taking the message until this settles.
      let credentialAnswer = (_error: Error) => undefined as void;
      const resolving = new Promise<never>((_resolve, reject) => (credentialAnswer = reject));
      let asked = false;
      const processor = processorWith('', {
        control: holder,
        credentials: {
          resolve: () => {
            asked = true;
            return resolving;
          },
        },
      });
      const settling = newSettling();
      const handled = processor.handle(
        deliveredCommand(nats.names, message, seq, settling),
        new AbortController().signal,
      );
      // Asked for the owner's key: it holds the session and has read its log.
      await waitFor(async () => asked, { what: "the runner to ask for the owner's key" });

      const after = { commandId: 'cmd_after', record: true, queuedSeq: seq + 1 };
      expect(await requester.requestInterrupt(sessionId, after)).toBe('not_yet');
      expect(await lastKind(sessionId)).toBeUndefined();
      // One sent before the message (late: the run it was for is over) is recorded where it is.
      const before = { commandId: 'cmd_before', record: true, queuedSeq: seq - 1 };
      expect(await requester.requestInterrupt(sessionId, before)).toBe('done');
      expect(await lastKind(sessionId)).toBe('interrupt.taken');

      credentialAnswer(Object.assign(new Error('No Cursor API key is stored'), { type: 'not_found' }));
      await handled;
      expect(settling.acks).toEqual([seq]);
      expect(await lastKind(sessionId)).toBe('runner.error');
    });

    it('records it and cancels at once when the message before it is live and its runner gone', async () => {
      const sessionId = newSessionId();
      const { message, seq } = await queueMessage(sessionId);
      await recordTaken(message, 'created');

      // Its runner died: the message waits in the queue for its lease to lapse, nobody holds the session.
      const settling = await handleDelivered(
        processorWith('nobody'),
        nats.names,
        userInterrupt(sessionId),
        seq + 1,
      );
      expect(settling.acks).toEqual([seq + 1]);
      expect(await lastKind(sessionId)).toBe('interrupt.taken');
      expect(cancels).toContain('bc-1/run-1');
    });

    it('leaves it for the message sent before it to take, then records it once that one is done', async () => {
      const sessionId = newSessionId();
      const { message, seq } = await queueMessage(sessionId);
      const interrupt = userInterrupt(sessionId);

      // The message's runner is about to hold the session: recorded now, the interrupt would come first
      // in the log (stopping nothing) and fence that runner out.
      const early = await handleDelivered(processorWith('nobody'), nats.names, interrupt, seq + 1);
      expect(early).toEqual({ naks: [1_000], acks: [] });
      expect(await lastKind(sessionId)).toBeUndefined();

      await recordTaken(message, 'settled');
      const later = await handleDelivered(processorWith('nobody'), nats.names, interrupt, seq + 1);
      expect(later.acks).toEqual([seq + 1]);
      expect(await lastKind(sessionId)).toBe('interrupt.taken');
    });
  });
});
