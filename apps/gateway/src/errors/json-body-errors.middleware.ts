import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

/**
 * Express error middleware placed right after the JSON body parser: a body that is not valid JSON
 * becomes a 400 naming the problem (the exception filter renders it), instead of the framework's
 * generic message.
 */
export function translateJsonBodyErrors(error: unknown, _req: Request, _res: Response, next: NextFunction) {
  const type = (error as { type?: string })?.type;
  if (type === 'entity.parse.failed') {
    return next(ApiError.badRequest(`malformed JSON body: ${(error as Error).message}`));
  }
  if (type === 'entity.too.large') return next(new ApiError(413, 'request body is too large'));
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return next(ApiError.badRequest(`unsupported body encoding: ${(error as Error).message}`));
  }
  next(error);
}
