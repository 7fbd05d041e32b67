import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { IdResponse, Page, Run } from '@lap/cursor-client';
import type { Caller as CallerIdentity } from '../auth/api-key.guard';
import { Caller } from '../auth/caller.decorator';
import { CursorApi } from '../auth/cursor-api.decorator';
import { parseRequestBody } from '../validation/request-body';
import { createRunBodySchema } from '../validation/request-schemas';
import { EmulatorStore } from '../store/emulator-store';
import { runJson } from './run-json';
import { RunsService } from './runs.service';

@CursorApi()
@Controller('v1/agents/:agentId/runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly store: EmulatorStore,
  ) {}

  @Post()
  create(
    @Caller() caller: CallerIdentity,
    @Param('agentId') agentId: string,
    @Body() body: unknown,
  ): { run: Run } {
    const agent = this.store.requireAgent(caller.owner, agentId);
    const request = parseRequestBody(createRunBodySchema, body);
    return { run: runJson(this.runs.createFollowUp(agent, request.prompt.text)) };
  }

  @Get()
  list(
    @Caller() caller: CallerIdentity,
    @Param('agentId') agentId: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Page<Run> {
    const agent = this.store.requireAgent(caller.owner, agentId);
    const { runs, nextCursor } = this.runs.list(agent, limit, cursor);
    return { items: runs.map(runJson), nextCursor };
  }

  @Get(':runId')
  get(
    @Caller() caller: CallerIdentity,
    @Param('agentId') agentId: string,
    @Param('runId') runId: string,
  ): Run {
    return runJson(this.store.requireRun(this.store.requireAgent(caller.owner, agentId), runId));
  }

  /** The body is `{}` in Cursor's docs; an absent body is accepted too. */
  @Post(':runId/cancel')
  @HttpCode(200)
  cancel(
    @Caller() caller: CallerIdentity,
    @Param('agentId') agentId: string,
    @Param('runId') runId: string,
  ): IdResponse {
    this.runs.cancel(this.store.requireAgent(caller.owner, agentId), runId);
    return { id: runId };
  }
}
