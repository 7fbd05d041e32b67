import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import {
  createEnvironmentSchema,
  listEnvironmentsQuerySchema,
  updateEnvironmentSchema,
  type CreateEnvironmentInput,
  type ListEnvironmentsQuery,
  type UpdateEnvironmentInput,
} from './environment.schemas';
import { toEnvironmentView } from './environment.view';
import { EnvironmentsService } from './environments.service';

/** Managed Agents environments (`client.beta.environments`). */
@Controller('v1/environments')
export class EnvironmentsController {
  constructor(private readonly environments: EnvironmentsService) {}

  @Post()
  @HttpCode(200)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createEnvironmentSchema)) body: CreateEnvironmentInput,
  ) {
    return toEnvironmentView(await this.environments.create(principal, body));
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listEnvironmentsQuerySchema)) query: ListEnvironmentsQuery,
  ) {
    const page = await this.environments.list(principal, query.include_archived, {
      limit: query.limit,
      order: 'desc',
      page: query.page,
    });
    return { data: page.items.map(toEnvironmentView), next_page: page.nextPage };
  }

  @Get(':id')
  async retrieve(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toEnvironmentView(await this.environments.get(principal, id));
  }

  @Post(':id')
  @HttpCode(200)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(updateEnvironmentSchema)) body: UpdateEnvironmentInput,
  ) {
    return toEnvironmentView(await this.environments.update(principal, id, body));
  }

  @Post(':id/archive')
  @HttpCode(200)
  async archive(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toEnvironmentView(await this.environments.archive(principal, id));
  }

  @Delete(':id')
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.environments.delete(principal, id);
    return { type: 'environment_deleted', id };
  }
}
