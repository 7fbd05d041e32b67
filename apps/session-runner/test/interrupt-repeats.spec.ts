import { cursorFramesOf, newSessionId, type SessionCommand } from '@lap/contracts';
import { EmulatorControl } from '@lap/cursor-emulator';
import { DEFAULT_STREAM_SETTINGS, ensureStreams } from '@lap/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@lap/testing';
import { RunnerTestBed } from './support/runner-test-bed';
import { userInterrupt, userMessage } from './support/session-commands';

/**
 * An interrupt whose Cursor cancel keeps failing comes back again and again, with a backoff. Its
 * `interrupt.taken` must stay recorded once, even when a repeat comes after the raw stream's duplicate
 * window (2 minutes in production, 1 s here), where its message id no longer guards it.
 */
describe('session runner: an interrupt repeated after the duplicate window', () => {
  const DUPLICATE_WINDOW_MS = 1_000;
  let bed: RunnerTestBed;
  let emulator: EmulatorControl;

  beforeAll(async () => {
    bed = await RunnerTestBed.open('interrupt', { alice: 'cursor-key-alice-1234' }, { frameIntervalMs: 2 });
    emulator = new EmulatorControl(bed.emulator.url);
    await bed.startRunner();
    // The runner set the streams up at start; the window is shortened behind its back.
    await ensureStreams(bed.nats.client.jsm, bed.nats.names, ['raw'], {
      ...DEFAULT_STREAM_SETTINGS,
      duplicateWindowMs: DUPLICATE_WINDOW_MS,
    });
  });

  afterAll(async () => {
    await bed?.close();
  });

  const send = (command: SessionCommand) => bed.send(command);
  const rawRecords = async (sessionId: string) =>
    (await bed.rawRecords(sessionId)).map((stored) => stored.record);

  it('records the interrupt once while Cursor refuses the cancel for longer than the window', async () => {
    const sessionId = newSessionId();
    await send(userMessage(sessionId, 'Work forever [scenario:hang]'));
    await waitFor(async () => (await rawRecords(sessionId)).some((r) => cursorFramesOf(r).length > 0), {
      what: 'the run to stream',
    });
    // Cursor refuses every cancel for 2.5 s: the interrupt comes back 0.5, 1.5 and 3.5 s after the
    // first delivery (the runners' backoff), the last two after the window guarding its first record.
    await emulator.addGlobalFaults('http_5xx=1000,status=503');
    await send(userInterrupt(sessionId));
    await sleep(2.5 * DUPLICATE_WINDOW_MS);
    const [owed] = (await emulator.globalFaults()).requestFaults;
    await emulator.clearGlobalFaults();
    const refusals = 1000 - (owed?.remaining ?? 0);
    await waitFor(async () => (await rawRecords(sessionId)).some((r) => r.kind === 'run.settled'), {
      what: 'the cancelled run to settle',
      timeoutMs: 20_000,
    });

    // Refused twice at least: the delivery after those came 1.5 s or more after the first, past the window.
    expect(refusals).toBeGreaterThanOrEqual(2);
    const records = await rawRecords(sessionId);
    expect(records.filter((r) => r.kind === 'interrupt.taken')).toHaveLength(1);
    expect(records[records.length - 1]).toMatchObject({ kind: 'run.settled', status: 'CANCELLED' });
  });
});
