import { Empty, RequestError, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { NatsNames } from '@lap/contracts';
import { decodeJson, encodeJson } from '@lap/messaging';

/** What a runner can do to a session it is executing right now. */
export interface LiveSession {
  /**
   * Cancels the run; records the interrupt first unless `record` is false (the raw log holds it).
   * `not_yet`: the interrupt came after the message held and before the runner took it (or before the
   * runner read the session's log), so it is that message's to stop once taken; asked again shortly.
   */
  interrupt(commandId: string, record: boolean, queuedSeq?: number): Promise<'done' | 'not_yet'>;
}

interface InterruptRequest {
  type: 'interrupt';
  commandId: string;
  /** False when the raw log already holds this interrupt: only the cancel is left to do. */
  record?: boolean;
  /** The interrupt's sequence in the command queue (absent from runners of earlier versions). */
  queuedSeq?: number;
}

interface InterruptReply {
  ok: boolean;
  /** With `ok: false`: not failed, too early (see `LiveSession.interrupt`). Earlier runners read a failure. */
  notYet?: boolean;
}

/**
 * What became of a request to the runner holding a session: `nobody` holds it; the holder answered it
 * `done`, `failed` or `not_yet`; or no answer came in time (`no_answer`: a slow holder, or NATS away).
 */
export type InterruptAnswer = 'done' | 'failed' | 'not_yet' | 'nobody' | 'no_answer';

/**
 * Runner-to-runner control on `<P>.ctl.<sessionId>`. The runner executing a session listens on that
 * session's subject for as long as it holds it, and nobody else does: a request that finds no
 * responder means "nobody holds this session", and one left unanswered means a holder that is slow,
 * never an absent one.
 */
export class SessionControl {
  private readonly held = new Map<string, { session: LiveSession; subscriptions: Subscription[] }>();

  constructor(
    private readonly connection: NatsConnection,
    private readonly names: NatsNames,
    private readonly onError: (message: string, error: unknown) => void,
  ) {}

  /**
   * Answers the session's control requests with `session` until the returned release is called. A
   * session held again in this process (a run taken over from a stale one) is answered by the newest.
   * Resolves once the server has the subscriptions: from then on a request never finds "nobody".
   */
  async hold(sessionId: string, session: LiveSession): Promise<() => void> {
    const earlier = this.held.get(sessionId);
    const subscriptions = earlier?.subscriptions ?? [
      this.connection.subscribe(this.names.control(sessionId), {
        callback: (error, message) => this.answer(sessionId, error, message),
      }),
      this.connection.subscribe(this.names.controlHeld(sessionId), {
        callback: (error, message) => {
          if (!error) message.respond();
        },
      }),
    ];
    const entry = { session, subscriptions };
    this.held.set(sessionId, entry);
    if (!earlier) await this.connection.flush();
    return () => {
      if (this.held.get(sessionId) !== entry) return;
      this.held.delete(sessionId);
      for (const subscription of subscriptions) subscription.unsubscribe();
    };
  }

  /** Whether a runner holds the session now. Rejects when that cannot be told (NATS away, no answer). */
  async isHeld(sessionId: string, timeoutMs = 3_000): Promise<boolean> {
    try {
      await this.connection.request(this.names.controlHeld(sessionId), Empty, { timeout: timeoutMs });
      return true;
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders()) return false;
      throw error;
    }
  }

  /** Asks the runner executing the session to interrupt it. */
  async requestInterrupt(
    sessionId: string,
    request: { commandId: string; record: boolean; queuedSeq: number },
    timeoutMs = 3_000,
  ): Promise<InterruptAnswer> {
    let reply;
    try {
      reply = await this.connection.request(
        this.names.control(sessionId),
        encodeJson({ type: 'interrupt', ...request } satisfies InterruptRequest),
        { timeout: timeoutMs },
      );
    } catch (error) {
      return error instanceof RequestError && error.isNoResponders() ? 'nobody' : 'no_answer';
    }
    const answer = decodeJson<InterruptReply>(reply.data);
    if (answer.ok) return 'done';
    return answer.notYet ? 'not_yet' : 'failed';
  }

  close(): void {
    for (const { subscriptions } of this.held.values())
      for (const subscription of subscriptions) subscription.unsubscribe();
    this.held.clear();
  }

  private answer(sessionId: string, error: Error | null, message: Msg): void {
    if (error) return this.onError('control subscription failed', error);
    const held = this.held.get(sessionId);
    if (!held) return;
    const request = decodeJson<InterruptRequest>(message.data);
    const reply = (answer: InterruptReply) => message.respond(encodeJson(answer));
    held.session
      // A runner from before `record` existed sends none: it means record.
      .interrupt(request.commandId, request.record !== false, request.queuedSeq)
      .then((outcome) => reply(outcome === 'done' ? { ok: true } : { ok: false, notYet: true }))
      .catch((e: unknown) => {
        this.onError('interrupt failed', e);
        reply({ ok: false });
      });
  }
}
