import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { NormalizerMetrics } from './normalizer-metrics';

@Module({
  controllers: [MetricsController],
  // One instance per application, so replicas started in one process (tests) count apart.
  providers: [NormalizerMetrics],
  exports: [NormalizerMetrics],
})
export class MetricsModule {}
