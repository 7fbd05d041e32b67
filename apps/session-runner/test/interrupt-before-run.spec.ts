import { newSessionId } from '@lap/contracts';
import { EmulatorControl } from '@lap/cursor-emulator';
import { waitFor } from '@lap/testing';
import { RunnerTestBed } from './support/runner-test-bed';
import { userInterrupt, userMessage } from './support/session-commands';

/**
 * A user who interrupts right after sending a message can catch the runner while Cursor is still
 * creating the run: there is nothing to cancel yet. The interrupt must still stop the run once it
 * exists, instead of being recorded and the run left to finish.
 */
describe('session runner: an interrupt that comes while the run is being created', () => {
  let bed: RunnerTestBed;
  let emulator: EmulatorControl;

  beforeAll(async () => {
    bed = await RunnerTestBed.open('interrupt-create', { alice: 'cursor-key-alice-1234' });
    emulator = new EmulatorControl(bed.emulator.url);
    // Patient with Cursor's refusals, so the create call can be held off for as long as the test needs.
    // Two of them: the message and the interrupt may each go to another runner.
    for (let i = 0; i < 2; i++) {
      await bed.startRunner(
        bed.runnerConfig({
          CURSOR_RETRY_BASE_MS: 20,
          CURSOR_RETRY_MAX_DELAY_MS: 100,
          CURSOR_MAX_ATTEMPTS: 500,
        }),
      );
    }
  });

  afterAll(async () => {
    await bed?.close();
  });

  const records = async (sessionId: string) => (await bed.rawRecords(sessionId)).map(({ record }) => record);
  const kinds = async (sessionId: string) => (await records(sessionId)).map((record) => record.kind);
  const settled = (sessionId: string) =>
    waitFor(async () => (await kinds(sessionId)).includes('run.settled'), {
      what: 'the run to settle',
      timeoutMs: 30_000,
    });

  it('cancels the run as soon as Cursor has created it', async () => {
    const sessionId = newSessionId();
    // Cursor refuses every call: the runner takes the message and keeps retrying the create.
    await emulator.addGlobalFaults('http_5xx=100000,status=503');
    // Long enough (about 2 s of frames) to be still going when the cancel comes.
    await bed.send(userMessage(sessionId, 'Look around [scenario:long] [pace:20]'));
    await waitFor(async () => (await kinds(sessionId)).includes('message.taken'), {
      what: 'the message to be taken',
    });
    await bed.send(userInterrupt(sessionId));
    await waitFor(async () => (await kinds(sessionId)).includes('interrupt.taken'), {
      what: 'the interrupt to be recorded',
    });
    await emulator.clearGlobalFaults();
    await settled(sessionId);

    const log = await records(sessionId);
    expect(log.slice(0, 3).map((record) => record.kind)).toEqual([
      'message.taken',
      'interrupt.taken',
      'cursor.agent_created',
    ]);
    expect(log[1]).toMatchObject({ runId: null });
    expect(log.at(-1)).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
  });

  it('stops a message interrupted right after it was sent, whichever runner takes which', async () => {
    for (let i = 0; i < 3; i++) {
      const sessionId = newSessionId();
      await bed.send(userMessage(sessionId, 'Look around [scenario:long] [pace:20]'));
      await bed.send(userInterrupt(sessionId));
      await settled(sessionId);
      // The interrupt stops the message sent before it: recorded after it (before or after its run was
      // created), and its run cancelled.
      const log = await records(sessionId);
      const order = log.map((record) => record.kind);
      expect(order[0]).toBe('message.taken');
      expect(order.filter((kind) => kind === 'interrupt.taken')).toHaveLength(1);
      expect(log.at(-1)).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
    }
  });
});
