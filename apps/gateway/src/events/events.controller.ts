import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AllowQueryKey } from '../auth/allow-query-key.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import {
  listEventsQuerySchema,
  sendEventsSchema,
  streamQuerySchema,
  type ListEventsQuery,
  type SendEventsInput,
  type StreamQuery,
} from './event.schemas';
import { EventsService } from './events.service';
import { SseStreams } from './sse-streams.service';

/**
 * A session's events: send (queued as commands), the list (from the projection) and the live SSE
 * stream (from JetStream). The two reads take `?key=` too, for browsers' EventSource.
 */
@Controller('v1/sessions/:id/events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly streams: SseStreams,
  ) {}

  @Post()
  @HttpCode(200)
  send(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(sendEventsSchema)) body: SendEventsInput,
  ) {
    return this.events.send(principal, id, body);
  }

  @Get()
  @AllowQueryKey()
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(listEventsQuerySchema)) query: ListEventsQuery,
  ) {
    return this.events.list(principal, id, query);
  }

  @Get('stream')
  @AllowQueryKey()
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
