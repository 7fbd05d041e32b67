import { ConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';

/** JetStream's API answers 503 while it is not (yet) available, e.g. right after the server restarted. */
const JETSTREAM_UNAVAILABLE = /jetstream (is )?(temporarily )?(not enabled|not available|unavailable)/i;

/**
 * The JetStream API error code (`err_code`) a failed call carries, if any. Read by shape, not
 * `instanceof`: a second copy of the client library would defeat a class check.
 */
export function jetStreamApiCode(error: unknown): number | undefined {
  return (error as { apiError?: () => { err_code?: number } } | undefined)?.apiError?.()?.err_code;
}

/**
 * Whether a failed NATS call is worth repeating as is: the server or the connection is away for now
 * (a timeout, no responders, a reconnect, JetStream still starting). A connection this process closed
 * (shutting down) is not: repeating would never succeed. Errors from anything but the NATS client
 * (an HTTP timeout, say) are not NATS's to judge.
 */
export function isTransientNatsError(error: unknown): boolean {
  if (
    error instanceof TimeoutError ||
    error instanceof NoRespondersError ||
    error instanceof RequestError ||
    error instanceof ConnectionError
  ) {
    return true;
  }
  if (error instanceof JetStreamApiError) return error.status === 503;
  if (error instanceof JetStreamError) {
    return (error as { code?: unknown }).code === 503 || JETSTREAM_UNAVAILABLE.test(error.message);
  }
  return (error as Error | undefined)?.name === 'JetStreamNotEnabled';
}
