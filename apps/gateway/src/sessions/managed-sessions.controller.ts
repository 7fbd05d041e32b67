import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { EnvironmentsService } from '../environments/environments.service';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import {
  createManagedSessionSchema,
  listManagedSessionsQuerySchema,
  updateManagedSessionSchema,
  type CreateManagedSessionInput,
  type ListManagedSessionsQuery,
  type UpdateManagedSessionInput,
} from './managed-session.schemas';
import { toManagedSessionView } from './managed-session.view';
import { messageText } from './message-text';
import { sessionEnvironmentFrom } from './session-environment';
import { SessionsService } from './sessions.service';

/** Managed Agents sessions (`client.beta.sessions`), over the same rows as LAP's `/session`. */
@Controller('v1/sessions')
export class ManagedSessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly environments: EnvironmentsService,
  ) {}

  /** With `initial_events`, the first message's run starts at once. */
  @Post()
  @HttpCode(200)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createManagedSessionSchema)) body: CreateManagedSessionInput,
  ) {
    const environment = await this.environments.getUsable(principal, body.environment_id);
    const session = await this.sessions.create(principal, {
      agentId: body.agent.id,
      agentVersion: body.agent.version,
      title: body.title ?? null,
      environmentId: environment.id,
      environment: sessionEnvironmentFrom(
        environment.config.cursor,
        body.resources?.[0],
        body.auto_create_pr,
      ),
      metadata: body.metadata ?? {},
      initialMessages: (body.initial_events ?? []).map((event, i) =>
        messageText(event.content, `initial_events.${i}.content`),
      ),
    });
    return toManagedSessionView(session);
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listManagedSessionsQuerySchema)) query: ListManagedSessionsQuery,
  ) {
    const page = await this.sessions.page(
      principal,
      { agentId: query.agent_id, includeArchived: query.include_archived },
      { limit: query.limit, order: query.order, page: query.page },
    );
    const now = new Date();
    return {
      data: page.items.map((session) => toManagedSessionView(session, now)),
      next_page: page.nextPage,
      prev_page: page.prevPage,
    };
  }

  @Get(':id')
  async retrieve(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toManagedSessionView(await this.sessions.getCurrent(principal, id));
  }

  @Post(':id')
  @HttpCode(200)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateManagedSessionSchema)) body: UpdateManagedSessionInput,
  ) {
    return toManagedSessionView(await this.sessions.updateDetails(principal, id, body));
  }

  @Delete(':id')
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.delete(principal, id);
    return { type: 'session_deleted', id };
  }

  @Post(':id/archive')
  @HttpCode(200)
  async archive(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toManagedSessionView(await this.sessions.archive(principal, id));
  }
}
