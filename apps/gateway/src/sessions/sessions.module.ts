import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { ProjectionModule } from '../projection/projection.module';
import { ManagedSessionsController } from './managed-sessions.controller';
import { SessionCommandsPublisher } from './session-commands.publisher';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [AgentsModule, EnvironmentsModule, ProjectionModule],
  controllers: [SessionsController, ManagedSessionsController],
  providers: [SessionsService, SessionsRepository, SessionCommandsPublisher],
  exports: [SessionsService],
})
export class SessionsModule {}
