import { Controller, Get, Header } from '@nestjs/common';
import { PROMETHEUS_TEXT_CONTENT_TYPE } from '@lap/service-runtime';
import { NormalizerMetrics } from './normalizer-metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: NormalizerMetrics) {}

  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_TEXT_CONTENT_TYPE)
  render(): string {
    return this.metrics.render();
  }
}
