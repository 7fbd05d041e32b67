import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';

@Module({ imports: [RunsModule], controllers: [AgentsController], providers: [AgentsService] })
export class AgentsModule {}
