import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { SessionCommandsPublisher } from './session-commands.publisher';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [AgentsModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionsRepository, SessionCommandsPublisher],
  exports: [SessionsService],
})
export class SessionsModule {}
