import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Caller as CallerIdentity } from '../auth/api-key.guard';
import { Caller } from '../auth/caller.decorator';
import { CursorApi } from '../auth/cursor-api.decorator';
import { EmulatorStore } from '../store/emulator-store';
import { StreamService } from './stream.service';

@CursorApi()
@Controller('v1/agents/:agentId/runs/:runId/stream')
export class StreamController {
  constructor(
    private readonly streams: StreamService,
    private readonly store: EmulatorStore,
  ) {}

  @Get()
  stream(
    @Caller() caller: CallerIdentity,
    @Param('agentId') agentId: string,
    @Param('runId') runId: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): void {
    const run = this.store.requireRun(this.store.requireAgent(caller.owner, agentId), runId);
    this.streams.open(run, lastEventId?.trim() || undefined, res);
  }
}
