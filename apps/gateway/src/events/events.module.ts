import { Module } from '@nestjs/common';
import { ProjectionModule } from '../projection/projection.module';
import { SessionsModule } from '../sessions/sessions.module';
import { EventFanoutModule } from './event-fanout.module';
import { EventLogReader } from './event-log.reader';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { SessionEventsRepository } from './session-events.repository';
import { SseStreams } from './sse-streams.service';

@Module({
  imports: [SessionsModule, ProjectionModule, EventFanoutModule],
  controllers: [EventsController],
  providers: [EventsService, SessionEventsRepository, EventLogReader, SseStreams],
  exports: [EventFanoutModule, SseStreams],
})
export class EventsModule {}
