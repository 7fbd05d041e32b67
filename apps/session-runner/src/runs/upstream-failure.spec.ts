import { CursorApiError, CursorUnreachableError } from '@lap/cursor-client';
import { backoffDelayMs } from './backoff';
import { StreamEndedEarlyError } from './stream-ended-early.error';
import { classifyFailure, describeFailure } from './upstream-failure';

describe('upstream failures', () => {
  it('retries 5xx and network errors, waits on 429, gives up on the rest', () => {
    expect(classifyFailure(new CursorApiError(503, 'internal_error', 'x'))).toBe('retry');
    expect(classifyFailure(new CursorUnreachableError('refused'))).toBe('retry');
    expect(classifyFailure(new CursorApiError(429, 'rate_limit_exceeded', 'x', 1000))).toBe('rate_limited');
    expect(classifyFailure(new CursorApiError(401, 'unauthorized', 'x'))).toBe('fatal');
    expect(classifyFailure(new Error('bug'))).toBe('fatal');
    expect(classifyFailure(new StreamEndedEarlyError('run-1'))).toBe('retry');
  });

  it('says what a stream that keeps ending early means for the run', () => {
    const failure = describeFailure(new StreamEndedEarlyError('run-1'), 'https://api.cursor.com');
    expect(failure.type).toBe('model_request_failed_error');
    expect(failure.message).toContain('run-1');
    expect(failure.message).toContain('still going');
  });

  it('tells a person what to do about a rejected key', () => {
    const failure = describeFailure(
      new CursorApiError(401, 'unauthorized', 'Invalid API key'),
      'https://api.cursor.com',
    );
    expect(failure.type).toBe('authentication_error');
    expect(failure.message).toMatch(/^Cursor rejected the API key/);
    expect(failure.message).toContain('PUT /api/agent-runtimes/cursor/credentials');
  });

  it('names the host it could not reach', () => {
    const failure = describeFailure(new CursorUnreachableError('connect ECONNREFUSED'), 'http://127.0.0.1:9');
    expect(failure).toMatchObject({ type: 'credential_host_unreachable_error' });
    expect(failure.message).toContain('http://127.0.0.1:9');
  });

  it('backs off exponentially with jitter, within the cap', () => {
    expect(backoffDelayMs(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelayMs(3, 100, 10_000, () => 1)).toBe(400);
    expect(backoffDelayMs(30, 100, 10_000, () => 1)).toBe(10_000);
  });
});
