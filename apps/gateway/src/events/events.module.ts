import { Module } from '@nestjs/common';
import { ProjectionModule } from '../projection/projection.module';
import { SessionsModule } from '../sessions/sessions.module';
import { EventFanout } from './event-fanout.service';
import { EventLogReader } from './event-log.reader';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { SessionEventsRepository } from './session-events.repository';
import { SseStreams } from './sse-streams.service';

@Module({
  imports: [SessionsModule, ProjectionModule],
  controllers: [EventsController],
  providers: [EventsService, SessionEventsRepository, EventFanout, EventLogReader, SseStreams],
  exports: [EventFanout, SseStreams],
})
export class EventsModule {}
