import { Controller, Get, Header } from '@nestjs/common';
import { PROMETHEUS_TEXT_CONTENT_TYPE, renderPrometheusText } from '@lap/service-runtime';
import { Public } from '../auth/public.decorator';
import { EventFanout } from '../events/event-fanout.service';
import { EventProjector } from '../projection/event-projector.service';

/**
 * `GET /metrics`: this replica's live fan-out and its share of the projection, in the Prometheus
 * text format. Public like `/readyz`: counts only, no ids.
 */
@Controller()
export class MetricsController {
  constructor(
    private readonly fanout: EventFanout,
    private readonly projector: EventProjector,
  ) {}

  @Public()
  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_TEXT_CONTENT_TYPE)
  render(): string {
    const fanout = this.fanout.stats();
    const projection = this.projector.stats();
    return renderPrometheusText([
      {
        name: 'gateway_sse_listeners',
        help: 'SSE clients attached to the live fan-out.',
        type: 'gauge',
        value: fanout.listeners,
      },
      {
        name: 'gateway_fanout_events_dispatched_total',
        help: 'Events handed to SSE clients (once per event and session, whatever the clients).',
        type: 'counter',
        value: fanout.eventsDispatched,
      },
      {
        name: 'gateway_projection_leading',
        help: '1 while this replica holds the projection lease and projects, else 0.',
        type: 'gauge',
        value: projection.leading ? 1 : 0,
      },
      {
        name: 'gateway_projection_taken_seq',
        help: 'The newest stream sequence the projection has taken in (projected, waiting or set aside).',
        type: 'gauge',
        value: projection.tail,
      },
      {
        name: 'gateway_projection_events_waiting',
        help: 'Events taken in and not projected yet (at most 10000 with those set aside, plus up to 2000 taken from those kept ahead).',
        type: 'gauge',
        value: projection.held,
      },
      {
        name: 'gateway_projection_events_kept_ahead',
        help: 'Live events kept while a read-back fills the gap before them (at most 2000).',
        type: 'gauge',
        value: projection.ahead,
      },
      {
        name: 'gateway_projection_events_set_aside',
        help: 'Events of sessions whose row another transaction keeps locked.',
        type: 'gauge',
        value: projection.parked,
      },
      {
        name: 'gateway_projection_events_projected_total',
        help: 'Events written by committed projection transactions (again after a hand-over).',
        type: 'counter',
        value: projection.eventsProjected,
      },
      {
        name: 'gateway_projection_events_read_back_total',
        help: 'Events read back from the stream because the live feed did not bring them.',
        type: 'counter',
        value: projection.eventsReadBack,
      },
      {
        name: 'gateway_projection_events_left_out_total',
        help: 'Events PostgreSQL refused on their own, left out of the projection (still in JetStream).',
        type: 'counter',
        value: projection.eventsLeftOut,
      },
    ]);
  }
}
