import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { sessionIdOfSubject, type NatsNames } from '@lap/contracts';
import { decodeJson, encodeJson } from '@lap/messaging';
import type { LiveSessions } from './live-sessions';

interface InterruptRequest {
  type: 'interrupt';
  commandId: string;
  /** False when the raw log already holds this interrupt: only the cancel is left to do. */
  record?: boolean;
}

/** What the runner holding a session answered: `nobody` when no runner holds it. */
export type InterruptAnswer = 'done' | 'failed' | 'nobody';

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
          // A runner from before `record` existed sends none: it means record.
          .interrupt(request.commandId, request.record !== false)
          .then(() => message.respond(encodeJson({ ok: true })))
          .catch((e: unknown) => {
            this.onError('interrupt failed', e);
            message.respond(encodeJson({ ok: false }));
          });
      },
    });
  }

  /** Asks the runner executing the session to interrupt it. */
  async requestInterrupt(
    sessionId: string,
    commandId: string,
    record: boolean,
    timeoutMs = 3_000,
  ): Promise<InterruptAnswer> {
    let reply;
    try {
      reply = await this.connection.request(
        this.names.control(sessionId),
        encodeJson({ type: 'interrupt', commandId, record } satisfies InterruptRequest),
        { timeout: timeoutMs },
      );
    } catch {
      return 'nobody';
    }
    return decodeJson<{ ok: boolean }>(reply.data).ok ? 'done' : 'failed';
  }

  close(): void {
    this.subscription?.unsubscribe();
  }
}
