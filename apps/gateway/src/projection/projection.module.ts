import { Module } from '@nestjs/common';
import { EventFanoutModule } from '../events/event-fanout.module';
import { EventProjector } from './event-projector.service';
import { EventStreamReader } from './event-stream.reader';
import { LegacyProjectorConsumer } from './legacy-projector-consumer';
import { ProjectionCatchUp } from './projection-catch-up';
import { ProjectionLeaseRepository } from './projection-lease.repository';
import { ProjectionRepository } from './projection.repository';

@Module({
  imports: [EventFanoutModule],
  providers: [
    EventProjector,
    EventStreamReader,
    LegacyProjectorConsumer,
    ProjectionLeaseRepository,
    ProjectionRepository,
    ProjectionCatchUp,
  ],
  exports: [EventProjector, ProjectionCatchUp],
})
export class ProjectionModule {}
