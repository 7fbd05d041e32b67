import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const logger = new Logger('HTTP');

/**
 * One line per request: method, path, status, duration. Never the query string (it may hold `?key=`)
 * nor the body (the credentials route carries API keys).
 */
export function logRequests(request: Request, response: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  response.on('close', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logger.log(`${request.method} ${request.path} ${response.statusCode} ${ms.toFixed(1)}ms`);
  });
  next();
}
