import { Module } from '@nestjs/common';
import { EventFanoutModule } from '../events/event-fanout.module';
import { ProjectionModule } from '../projection/projection.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [EventFanoutModule, ProjectionModule],
  controllers: [MetricsController],
})
export class MetricsModule {}
