import { Module } from '@nestjs/common';
import { EventProjector } from './event-projector.service';
import { ProjectionCatchUp } from './projection-catch-up';
import { ProjectionRepository } from './projection.repository';

@Module({
  providers: [EventProjector, ProjectionRepository, ProjectionCatchUp],
  exports: [EventProjector, ProjectionCatchUp],
})
export class ProjectionModule {}
