import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { natsNames, type NatsNames } from '@lap/contracts';
import { NatsClient, SubjectLog } from '@lap/messaging';
import type { NormalizerConfig } from '../config';
import { MetricsModule } from '../metrics/metrics.module';
import { NormalizerMetrics } from '../metrics/normalizer-metrics';
import { NATS_NAMES, NORMALIZER_CONFIG } from '../normalizer.tokens';
import { EventPublisher } from './event-publisher';
import { FoldStateRepository } from './fold-state.repository';
import { NormalizationService } from './normalization.service';
import { RawLogReader } from './raw-log.reader';
import { RecordNormalizer } from './record-normalizer';

@Module({})
export class NormalizationModule {
  static register(config: NormalizerConfig, nats: NatsClient): DynamicModule {
    return {
      module: NormalizationModule,
      imports: [MetricsModule],
      providers: [
        { provide: NORMALIZER_CONFIG, useValue: config },
        { provide: NATS_NAMES, useValue: natsNames(config.LAP_PREFIX) },
        { provide: NatsClient, useValue: nats },
        {
          provide: FoldStateRepository,
          inject: [NATS_NAMES],
          useFactory: (names: NatsNames) => FoldStateRepository.open(nats, names),
        },
        {
          provide: EventPublisher,
          inject: [NATS_NAMES],
          useFactory: (names: NatsNames) =>
            new EventPublisher(new SubjectLog(nats, names.streams.events), names),
        },
        {
          provide: RawLogReader,
          inject: [NATS_NAMES],
          useFactory: (names: NatsNames) => new RawLogReader(nats, names),
        },
        {
          provide: RecordNormalizer,
          inject: [FoldStateRepository, EventPublisher, RawLogReader, NormalizerMetrics],
          useFactory: (
            states: FoldStateRepository,
            publisher: EventPublisher,
            rawLog: RawLogReader,
            metrics: NormalizerMetrics,
          ) => new RecordNormalizer(states, publisher, rawLog, metrics, new Logger('Normalization')),
        },
        NormalizationService,
      ],
    };
  }
}
