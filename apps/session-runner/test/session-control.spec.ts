import { newSessionId } from '@lap/contracts';
import { ensureStreams, SubjectLog } from '@lap/messaging';
import { createTestNats, type TestNats } from '@lap/testing';
import { CommandProcessor, type CommandProcessorDeps } from '../src/commands/command-processor';
import { SessionControl, type LiveSession } from '../src/control/session-control';
import { SessionLogRepository } from '../src/session-log/session-log.repository';
import { deliveredCommand, newSettling, userInterrupt } from './support/session-commands';

/**
 * Interrupts reach the runner executing a session over `<P>.ctl.<sessionId>`. A runner that does not
 * answer must never pass for an absent one: the requester would then record the interrupt at the head
 * of the raw log itself, fencing the live holder out and stalling its run for an ack wait.
 */
describe('session control between runners (real NATS)', () => {
  let nats: TestNats;
  let holder: SessionControl;
  let requester: SessionControl;
  const errors: string[] = [];

  beforeAll(async () => {
    nats = await createTestNats('control');
    const onError = (message: string) => void errors.push(message);
    holder = new SessionControl(nats.client.connection, nats.names, onError);
    requester = new SessionControl(nats.client.connection, nats.names, onError);
  });

  afterAll(async () => {
    holder.close();
    await nats.cleanup();
  });

  /** A live session whose interrupt takes until `until` settles, recording each call. */
  function liveSession(calls: Array<[string, boolean]>, until?: Promise<void>, fails = false): LiveSession {
    return {
      interrupt: async (commandId, record) => {
        calls.push([commandId, record]);
        await until;
        if (fails) throw new Error('Cursor refused the cancel');
      },
    };
  }

  it('answers nobody for a session no runner holds: no responder, not a timeout', async () => {
    expect(await requester.requestInterrupt(newSessionId(), 'cmd_1', true)).toBe('nobody');
  });

  it('tells a slow holder from an absent one', async () => {
    const sessionId = newSessionId();
    const calls: Array<[string, boolean]> = [];
    let finish = () => undefined as void;
    const cancelling = new Promise<void>((resolve) => (finish = resolve));
    const release = holder.hold(sessionId, liveSession(calls, cancelling));
    await nats.client.connection.flush();

    expect(await requester.requestInterrupt(sessionId, 'cmd_slow', true, 300)).toBe('no_answer');
    expect(calls).toEqual([['cmd_slow', true]]);
    finish();
    release();
  });

  it("passes the holder's answer on, and answers nobody once the holder lets the session go", async () => {
    const sessionId = newSessionId();
    const calls: Array<[string, boolean]> = [];
    const release = holder.hold(sessionId, liveSession(calls));
    await nats.client.connection.flush();
    expect(await requester.requestInterrupt(sessionId, 'cmd_a', false)).toBe('done');
    expect(calls).toEqual([['cmd_a', false]]);

    release();
    await nats.client.connection.flush();
    expect(await requester.requestInterrupt(sessionId, 'cmd_b', true)).toBe('nobody');
    expect(calls).toHaveLength(1);
  });

  it('answers failed when the holder could not interrupt the run', async () => {
    const sessionId = newSessionId();
    const release = holder.hold(sessionId, liveSession([], undefined, true));
    await nats.client.connection.flush();
    expect(await requester.requestInterrupt(sessionId, 'cmd_f', true)).toBe('failed');
    expect(errors).toContain('interrupt failed');
    release();
  });

  it('has the newest hold of a session answer; the older one letting go leaves it held', async () => {
    const sessionId = newSessionId();
    const stale: Array<[string, boolean]> = [];
    const current: Array<[string, boolean]> = [];
    const releaseStale = holder.hold(sessionId, liveSession(stale));
    const releaseCurrent = holder.hold(sessionId, liveSession(current));
    releaseStale();
    await nats.client.connection.flush();

    expect(await requester.requestInterrupt(sessionId, 'cmd_n', true)).toBe('done');
    expect({ stale, current }).toEqual({ stale: [], current: [['cmd_n', true]] });
    releaseCurrent();
  });

  it('asks a holder that did not answer again later, and records nothing in its place', async () => {
    await ensureStreams(nats.client.jsm, nats.names, ['commands', 'raw']);
    const raw = new SubjectLog(nats.client, nats.names.streams.raw);
    const processor = new CommandProcessor({
      names: nats.names,
      commands: new SubjectLog(nats.client, nats.names.streams.commands),
      sessionLogs: new SessionLogRepository(raw, nats.names),
      control: { requestInterrupt: async () => 'no_answer' },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    } as unknown as CommandProcessorDeps);
    const interrupt = userInterrupt(newSessionId());
    const settling = newSettling();

    // Thrown, the worker hands it back with a backoff.
    await expect(
      processor.handle(deliveredCommand(nats.names, interrupt, 1, settling), new AbortController().signal),
    ).rejects.toThrow(/did not answer the interrupt in time/);
    expect(settling).toEqual({ naks: [], acks: [] });
    expect(await raw.last(nats.names.raw(interrupt.sessionId))).toBeNull();
  });
});
