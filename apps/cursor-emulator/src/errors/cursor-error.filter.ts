import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { CursorHttpError } from './cursor-http-error';

/** Nest's own errors, translated to the codes Cursor uses for the same situations. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'validation_error',
  401: 'unauthorized',
  403: 'role_forbidden',
  404: 'not_found',
  405: 'not_found',
  413: 'validation_error',
  415: 'validation_error',
};

/**
 * Every failure leaves as `{"error":{"code","message"}}`, like Cursor's. Unexpected errors become a
 * plain 500 `internal_error`: the stack goes to the log, never to the client.
 */
@Catch()
export class CursorErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('CursorErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = this.toCursorError(exception);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.status).set(error.headers).json(error.body);
  }

  private toCursorError(exception: unknown): CursorHttpError {
    if (exception instanceof CursorHttpError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const message =
        status === 400 && /JSON/i.test(exception.message)
          ? 'Request body is not valid JSON'
          : exception.message;
      return new CursorHttpError(status, CODE_BY_STATUS[status] ?? 'internal_error', message);
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return new CursorHttpError(500, 'internal_error', 'Internal error');
  }
}
