import { ClosedConnectionError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { isTransientNatsError } from './transient-errors';

describe('isTransientNatsError', () => {
  it('repeats what a NATS restart or reconnect causes', () => {
    expect(isTransientNatsError(new TimeoutError())).toBe(true);
    expect(isTransientNatsError(new RequestError('no responders'))).toBe(true);
  });

  it('does not repeat a connection this process closed, nor errors that are not NATS’s', () => {
    expect(isTransientNatsError(new ClosedConnectionError())).toBe(false);
    expect(isTransientNatsError(new DOMException('The operation timed out', 'TimeoutError'))).toBe(false);
    expect(isTransientNatsError(new Error('timeout'))).toBe(false);
    expect(isTransientNatsError(undefined)).toBe(false);
  });
});
