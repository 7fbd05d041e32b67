import { Global, Module } from '@nestjs/common';
import { RequestCounterMiddleware } from './request-counter.middleware';
import { StatsService } from './stats.service';

@Global()
@Module({ providers: [StatsService, RequestCounterMiddleware], exports: [StatsService] })
export class StatsModule {}
