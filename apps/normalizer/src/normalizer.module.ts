import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsClient } from '@lap/messaging';
import { HealthModule } from '@lap/service-runtime';
import type { NormalizerConfig } from './config';
import { NormalizationModule } from './normalization/normalization.module';

@Module({})
export class NormalizerModule {
  static register(config: NormalizerConfig, nats: NatsClient): DynamicModule {
    return {
      module: NormalizerModule,
      imports: [
        HealthModule.register({ useFactory: () => [{ name: 'nats', check: () => nats.ping() }] }),
        NormalizationModule.register(config, nats),
      ],
    };
  }
}
