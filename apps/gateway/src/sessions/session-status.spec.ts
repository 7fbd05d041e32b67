import type { SessionEventBody } from '@lap/contracts';
import { sessionStatusAfter } from './session-status';

const running: SessionEventBody = { type: 'session.status_running' };
const idle: SessionEventBody = { type: 'session.status_idle', stop_reason: { type: 'end_turn' } };
const terminalError: SessionEventBody = {
  type: 'session.error',
  error: { type: 'unknown_error', message: 'boom', retry_status: { type: 'terminal' } },
};
const retryingError: SessionEventBody = {
  type: 'session.error',
  error: { type: 'model_rate_limited_error', message: 'slow down', retry_status: { type: 'retrying' } },
};

describe('sessionStatusAfter', () => {
  it('follows the run: pending → running → idle', () => {
    expect(sessionStatusAfter('pending', running)).toBe('running');
    expect(sessionStatusAfter('running', idle)).toBe('idle');
  });

  it('keeps error after the idle that closes a failed run, until the next run starts', () => {
    const afterError = sessionStatusAfter('running', terminalError);
    expect(afterError).toBe('error');
    expect(sessionStatusAfter(afterError, idle)).toBe('error');
    expect(sessionStatusAfter('error', running)).toBe('running');
  });

  it('ignores errors that are being retried and events that say nothing about status', () => {
    expect(sessionStatusAfter('running', retryingError)).toBe('running');
    expect(sessionStatusAfter('running', { type: 'agent.thinking' })).toBe('running');
  });

  it('ends the session for good when it is deleted', () => {
    expect(sessionStatusAfter('idle', { type: 'session.deleted' })).toBe('terminated');
  });
});
