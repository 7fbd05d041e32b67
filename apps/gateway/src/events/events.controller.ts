import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AllowQueryKey } from '../auth/allow-query-key.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import {
  listEventsQuerySchema,
  streamQuerySchema,
  type ListEventsQuery,
  type StreamQuery,
} from './event.schemas';
import { EventsService } from './events.service';
import { SseStreams } from './sse-streams.service';

/** A session's events: the list (from the projection) and the live SSE stream (from JetStream). */
@Controller('v1/sessions/:id/events')
@AllowQueryKey()
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly streams: SseStreams,
  ) {}

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(listEventsQuerySchema)) query: ListEventsQuery,
  ) {
    return this.events.list(principal, id, query);
  }

  @Get('stream')
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query(new ZodValidationPipe(streamQuerySchema)) query: StreamQuery,
    @Res() response: Response,
  ): Promise<void> {
    const afterSeq = await this.events.streamStart(principal, id, lastEventId, query);
    await this.streams.open(response, id, afterSeq);
  }
}
