import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { applyMetadataPatch } from '../metadata/metadata-patch';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import { AgentsService } from './agents.service';
import {
  createManagedAgentSchema,
  listManagedAgentsQuerySchema,
  retrieveManagedAgentQuerySchema,
  updateManagedAgentSchema,
  type CreateManagedAgentInput,
  type ListManagedAgentsQuery,
  type RetrieveManagedAgentQuery,
  type UpdateManagedAgentInput,
} from './managed-agent.schemas';
import { toManagedAgentView } from './managed-agent.view';

/** Managed Agents agents (`client.beta.agents`), over the same rows as `/api/agents`. */
@Controller('v1/agents')
export class ManagedAgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  @HttpCode(200)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createManagedAgentSchema)) body: CreateManagedAgentInput,
  ) {
    const agent = await this.agents.create(principal, {
      name: body.name,
      runtime: body.runtime,
      model: body.model,
      system: body.system ?? null,
      description: body.description ?? null,
      tools: body.tools ?? [],
      mcpServers: body.mcp_servers ?? [],
      metadata: body.metadata ?? {},
    });
    return toManagedAgentView(agent);
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listManagedAgentsQuerySchema)) query: ListManagedAgentsQuery,
  ) {
    const page = await this.agents.page(principal, query.include_archived, {
      limit: query.limit,
      order: 'desc',
      page: query.page,
    });
    return { data: page.items.map(toManagedAgentView), next_page: page.nextPage };
  }

  /** Only the current version is kept: asking for another one is a 404. */
  @Get(':id')
  async retrieve(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query(new ZodValidationPipe(retrieveManagedAgentQuerySchema)) query: RetrieveManagedAgentQuery,
  ) {
    const agent = await this.agents.find(principal, id);
    if (query.version !== undefined && query.version !== agent.version) {
      throw ApiError.notFound(
        `agent "${id}" version ${query.version} not found (current: ${agent.version}; older versions are not kept)`,
      );
    }
    return toManagedAgentView(agent);
  }

  @Post(':id')
  @HttpCode(200)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateManagedAgentSchema)) body: UpdateManagedAgentInput,
  ) {
    const current = await this.agents.get(principal, id);
    const agent = await this.agents.update(
      principal,
      id,
      {
        name: body.name,
        model: body.model,
        system: body.system,
        description: body.description,
        tools: body.tools === null ? [] : body.tools,
        mcpServers: body.mcp_servers === null ? [] : body.mcp_servers,
        metadata:
          body.metadata === undefined ? undefined : applyMetadataPatch(current.metadata, body.metadata),
      },
      body.version,
    );
    return toManagedAgentView(agent);
  }

  @Post(':id/archive')
  @HttpCode(200)
  async archive(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toManagedAgentView(await this.agents.archive(principal, id));
  }
}
