import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { AgentsModule } from './agents/agents.module';
import { AuthModule } from './auth/auth.module';
import { EmulatorOptionsModule } from './emulator-options.module';
import type { EmulatorOptions } from './emulator-options';
import { CursorErrorFilter } from './errors/cursor-error.filter';
import { FaultsModule } from './faults/faults.module';
import { RunsModule } from './runs/runs.module';
import { RequestCounterMiddleware } from './stats/request-counter.middleware';
import { StatsModule } from './stats/stats.module';
import { StoreModule } from './store/store.module';
import { StreamModule } from './stream/stream.module';

@Module({})
export class AppModule implements NestModule {
  static register(options: EmulatorOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EmulatorOptionsModule.register(options),
        StoreModule,
        StatsModule,
        FaultsModule,
        AuthModule,
        AgentsModule,
        RunsModule,
        StreamModule,
        AccountModule,
        AdminModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: CursorErrorFilter }],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestCounterMiddleware).forRoutes('v1/*path');
  }
}
