import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import {
  createAgentSchema,
  listAgentsQuerySchema,
  updateAgentSchema,
  type CreateAgentInput,
  type ListAgentsQuery,
  type UpdateAgentInput,
} from './agent.schemas';
import { AgentsService } from './agents.service';
import { toLapAgentView } from './lap-agent.view';

/** LAP's agent routes. DELETE archives the agent and answers `{ok:true}`; it then reads as 404. */
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createAgentSchema)) body: CreateAgentInput,
  ) {
    return toLapAgentView(
      await this.agents.create(principal, {
        name: body.name,
        ownerId: body.owner_id,
        runtime: body.runtime,
        model: body.model,
        system: body.system ?? null,
        description: body.description ?? null,
        tools: [],
        mcpServers: [],
        metadata: body.metadata ?? {},
      }),
    );
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listAgentsQuerySchema)) query: ListAgentsQuery,
  ) {
    const agents = await this.agents.list(principal, query.owner_id);
    return { agents: agents.map(toLapAgentView) };
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toLapAgentView(await this.agents.get(principal, id));
  }

  @Patch(':id')
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateAgentSchema)) body: UpdateAgentInput,
  ) {
    return toLapAgentView(
      await this.agents.update(principal, id, {
        name: body.name,
        ownerId: body.owner_id,
        runtime: body.runtime,
        model: body.model,
        system: body.system,
        description: body.description,
        metadata: body.metadata,
      }),
    );
  }

  @Delete(':id')
  @HttpCode(200)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    // LAP sees an archived agent as gone: deleting it twice is a 404.
    await this.agents.get(principal, id);
    await this.agents.archive(principal, id);
    return { ok: true };
  }
}
