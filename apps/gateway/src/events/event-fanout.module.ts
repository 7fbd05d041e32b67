import { Module } from '@nestjs/common';
import { EventFanout } from './event-fanout.service';

/** The process's one live subscription to the events stream, shared by SSE and the projection. */
@Module({
  providers: [EventFanout],
  exports: [EventFanout],
})
export class EventFanoutModule {}
