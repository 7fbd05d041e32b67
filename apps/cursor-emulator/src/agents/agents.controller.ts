import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { Agent, AgentSummary, CreateAgentResponse, IdResponse, Page } from '@lap/cursor-client';
import type { Caller as CallerIdentity } from '../auth/api-key.guard';
import { Caller } from '../auth/caller.decorator';
import { CursorApi } from '../auth/cursor-api.decorator';
import { runJson } from '../runs/run-json';
import { EmulatorStore } from '../store/emulator-store';
import { parseRequestBody } from '../validation/request-body';
import { createAgentBodySchema } from '../validation/request-schemas';
import { agentJson, agentSummaryJson } from './agent-json';
import { AgentsService, type AgentListQuery } from './agents.service';

@CursorApi()
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly store: EmulatorStore,
  ) {}

  @Post()
  create(@Caller() caller: CallerIdentity, @Body() body: unknown): CreateAgentResponse {
    const { agent, run } = this.agents.create(caller.owner, parseRequestBody(createAgentBodySchema, body));
    return { agent: agentJson(agent), run: runJson(run) };
  }

  @Get()
  list(@Caller() caller: CallerIdentity, @Query() query: AgentListQuery): Page<AgentSummary> {
    const { agents, nextCursor } = this.agents.list(caller.owner, query);
    return { items: agents.map(agentSummaryJson), nextCursor };
  }

  @Get(':agentId')
  get(@Caller() caller: CallerIdentity, @Param('agentId') agentId: string): Agent {
    return agentJson(this.store.requireAgent(caller.owner, agentId));
  }

  @Delete(':agentId')
  delete(@Caller() caller: CallerIdentity, @Param('agentId') agentId: string): IdResponse {
    this.agents.delete(this.store.requireAgent(caller.owner, agentId));
    return { id: agentId };
  }

  @Post(':agentId/archive')
  @HttpCode(200)
  archive(@Caller() caller: CallerIdentity, @Param('agentId') agentId: string): IdResponse {
    this.agents.setArchived(this.store.requireAgent(caller.owner, agentId), true);
    return { id: agentId };
  }

  @Post(':agentId/unarchive')
  @HttpCode(200)
  unarchive(@Caller() caller: CallerIdentity, @Param('agentId') agentId: string): IdResponse {
    this.agents.setArchived(this.store.requireAgent(caller.owner, agentId), false);
    return { id: agentId };
  }
}
