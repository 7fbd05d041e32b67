import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { RpcError, RpcReply } from '@lap/contracts';
import { decodeJson, encodeJson } from './json-codec';

/** Anything that validates an unknown value into a T (a zod schema fits). */
export interface Parser<T> {
  parse(value: unknown): T;
}

/** A request/reply call answered with an error, or not answered at all. */
export class RpcCallError extends Error {
  constructor(
    readonly type: RpcError['type'],
    message: string,
  ) {
    super(message);
    this.name = 'RpcCallError';
  }
}

/** Answers requests on subjects, in a queue group so replicas share the load. */
export class RpcServer {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly connection: NatsConnection,
    private readonly onError: (message: string, error: unknown) => void = () => undefined,
  ) {}

  serve<Req, Rep>(subject: string, request: Parser<Req>, handler: (req: Req) => Promise<Rep>): void {
    const subscription = this.connection.subscribe(subject, {
      queue: 'rpc',
      callback: (error, message) => {
        if (error) return this.onError(`subscription to ${subject} failed`, error);
        void (async (): Promise<RpcReply<Rep>> => {
          let parsed: Req;
          try {
            parsed = request.parse(decodeJson(message.data));
          } catch (e) {
            return { ok: false, error: { type: 'invalid_request', message: describeParseError(e) } };
          }
          try {
            return { ok: true, data: await handler(parsed) };
          } catch (e) {
            if (e instanceof RpcCallError) return { ok: false, error: { type: e.type, message: e.message } };
            this.onError(`handler for ${subject} failed`, e);
            return { ok: false, error: { type: 'internal', message: 'internal error' } };
          }
        })().then((reply) => message.respond(encodeJson(reply)));
      },
    });
    this.subscriptions.push(subscription);
  }

  close(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}

/** Calls an RpcServer; errors come back as RpcCallError with the server's type and message. */
export class RpcClient {
  constructor(private readonly connection: NatsConnection) {}

  async call<Rep>(subject: string, payload: unknown, reply: Parser<Rep>, timeoutMs = 5_000): Promise<Rep> {
    let message;
    try {
      message = await this.connection.request(subject, encodeJson(payload), { timeout: timeoutMs });
    } catch (error) {
      throw new RpcCallError('unavailable', `no answer on ${subject}: ${(error as Error).message}`);
    }
    const body = decodeJson<RpcReply<unknown>>(message.data);
    if (!body.ok) throw new RpcCallError(body.error.type, body.error.message);
    return reply.parse(body.data);
  }
}

function describeParseError(error: unknown): string {
  const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
  if (!issues) return 'request body is not valid';
  return issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
