import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AgentsModule } from './agents/agents.module';
import { AuthModule } from './auth/auth.module';
import type { GatewayConfig } from './config';
import { GatewayConfigModule } from './config.module';
import { DatabaseModule } from './database/database.module';
import { EnvironmentsModule } from './environments/environments.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { EventsModule } from './events/events.module';
import { GatewayHealthModule } from './health/gateway-health.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpenApiModule } from './openapi/openapi.module';
import { ProjectionModule } from './projection/projection.module';
import { RuntimesModule } from './runtimes/runtimes.module';
import { SessionsModule } from './sessions/sessions.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        DatabaseModule,
        MessagingModule,
        AuthModule,
        GatewayHealthModule,
        RuntimesModule,
        AgentsModule,
        EnvironmentsModule,
        SessionsModule,
        EventsModule,
        ProjectionModule,
        MetricsModule,
        OpenApiModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
