import { Module } from '@nestjs/common';
import { EventProjector } from './event-projector.service';
import { ProjectionRepository } from './projection.repository';

@Module({ providers: [EventProjector, ProjectionRepository], exports: [EventProjector] })
export class ProjectionModule {}
