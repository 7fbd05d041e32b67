import { Controller, Get, Header } from '@nestjs/common';
import { NormalizerMetrics } from './normalizer-metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: NormalizerMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): string {
    return this.metrics.render();
  }
}
