import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from '@lap/db';
import { RpcCallError } from '@lap/messaging';
import { ApiError } from './api-error';
import { errorBody } from './error-body';

const DATABASE_UNAVAILABLE = 'database unavailable, retry shortly';

/**
 * The one place an error becomes a response. Clients get a status, a type and a message written for
 * them; anything unexpected is logged here (never its request body) and answered with a generic 500.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const error = this.toApiError(exception, request);
    if (response.headersSent) {
      // An SSE stream already started: the status line is gone, all we can do is end it.
      response.end();
      return;
    }
    // Our conflicts are stale versions: retrying the same request cannot help (the Anthropic SDK
    // retries 409s unless told otherwise).
    if (error.status === 409) response.setHeader('x-should-retry', 'false');
    response.status(error.status).json(errorBody(request.path, error.type, error.message));
  }

  private toApiError(exception: unknown, request: Request): ApiError {
    const where = `${request.method} ${request.path}`;
    if (exception instanceof ApiError) {
      if (exception.status >= 500) this.logger.warn(`${where}: ${exception.message}`);
      return exception;
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isPayloadTooLarge(exception)) return new ApiError(413, 'request body is too large');
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`${where}: ${DATABASE_UNAVAILABLE} (${(exception as Error).message})`);
      return ApiError.unavailable(DATABASE_UNAVAILABLE);
    }
    if (exception instanceof RpcCallError && exception.type === 'unavailable') {
      this.logger.warn(`${where}: ${exception.message}`);
      return ApiError.unavailable('a backing service did not answer, retry shortly');
    }
    this.logger.error(`${where} failed`, (exception as Error)?.stack ?? String(exception));
    return new ApiError(500, 'internal error');
  }
}

function fromHttpException(exception: HttpException): ApiError {
  const body = exception.getResponse();
  const message =
    typeof body === 'string'
      ? body
      : [(body as { message?: unknown }).message ?? exception.message].flat().join('; ');
  return new ApiError(exception.getStatus(), message);
}

function isPayloadTooLarge(error: unknown): boolean {
  return (error as { type?: string })?.type === 'entity.too.large';
}
