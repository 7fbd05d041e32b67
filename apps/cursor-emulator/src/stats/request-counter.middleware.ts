import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { StatsService } from './stats.service';

/** Counts every API request, answered or refused. */
@Injectable()
export class RequestCounterMiddleware implements NestMiddleware {
  constructor(private readonly stats: StatsService) {}

  use(_req: Request, _res: Response, next: NextFunction): void {
    this.stats.requests += 1;
    next();
  }
}
