import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { sessionIdOfSubject, type NatsNames } from '@lap/contracts';
import { decodeJson, encodeJson } from '@lap/messaging';
import type { LiveSessions } from './live-sessions';

interface InterruptRequest {
  type: 'interrupt';
  commandId: string;
}

/**
 * Runner-to-runner control on `<P>.ctl.<sessionId>`. Every runner listens on the wildcard, but only the
 * one executing the session answers, so a request with no answer means "nobody holds this session".
 */
export class SessionControl {
  private subscription?: Subscription;

  constructor(
    private readonly connection: NatsConnection,
    private readonly names: NatsNames,
    private readonly live: LiveSessions,
    private readonly onError: (message: string, error: unknown) => void,
  ) {}

  listen(): void {
    this.subscription = this.connection.subscribe(this.names.allControl, {
      callback: (error, message) => {
        if (error) return this.onError('control subscription failed', error);
        const session = this.live.get(sessionIdOfSubject(message.subject));
        if (!session) return;
        const request = decodeJson<InterruptRequest>(message.data);
        session
          .interrupt(request.commandId)
          .then(() => message.respond(encodeJson({ ok: true })))
          .catch((e: unknown) => {
            this.onError('interrupt failed', e);
            message.respond(encodeJson({ ok: false }));
          });
      },
    });
  }

  /** Asks the runner executing the session to interrupt it; false when no runner holds it. */
  async requestInterrupt(sessionId: string, commandId: string, timeoutMs = 3_000): Promise<boolean> {
    try {
      const reply = await this.connection.request(
        this.names.control(sessionId),
        encodeJson({ type: 'interrupt', commandId } satisfies InterruptRequest),
        { timeout: timeoutMs },
      );
      return decodeJson<{ ok: boolean }>(reply.data).ok;
    } catch {
      return false;
    }
  }

  close(): void {
    this.subscription?.unsubscribe();
  }
}
