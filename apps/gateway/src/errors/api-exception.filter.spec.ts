import { Logger, type ArgumentsHost } from '@nestjs/common';
import { RpcCallError } from '@lap/messaging';
import { ApiError } from './api-error';
import { ApiExceptionFilter } from './api-exception.filter';

function respond(exception: unknown, path = '/api/agents') {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ method: 'GET', path }), getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new ApiExceptionFilter().catch(exception, host);
  return sent;
}

describe('ApiExceptionFilter', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('renders API errors as they are', () => {
    expect(respond(ApiError.notFound('agent "x" not found'))).toEqual({
      status: 404,
      body: { error: { type: 'not_found_error', message: 'agent "x" not found' } },
    });
  });

  it('answers 503 when the database is unreachable, in the route family shape', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(respond(refused, '/v1/sessions/s/events')).toEqual({
      status: 503,
      body: {
        type: 'error',
        error: { type: 'service_unavailable_error', message: 'database unavailable, retry shortly' },
      },
    });
  });

  it('answers 503 when a NATS service does not answer', () => {
    expect(respond(new RpcCallError('unavailable', 'no answer on lap.rpc.x: TIMEOUT')).status).toBe(503);
  });

  it('never shows an unexpected error to the client', () => {
    const sent = respond(new Error('relation "secret_table" does not exist at /srv/app.js:12'));
    expect(sent).toEqual({ status: 500, body: { error: { type: 'api_error', message: 'internal error' } } });
  });
});
