import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import { toLapSessionView } from './lap-session.view';
import {
  createSessionSchema,
  promptSchema,
  type CreateSessionInput,
  type PromptInput,
} from './session.schemas';
import { SessionsService } from './sessions.service';

/** LAP's OpenCode-style session routes. */
@Controller('session')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createSessionSchema)) body: CreateSessionInput,
  ) {
    return toLapSessionView(await this.sessions.create(principal, body));
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    return (await this.sessions.list(principal)).map(toLapSessionView);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toLapSessionView(await this.sessions.get(principal, id));
  }

  @Delete(':id')
  @HttpCode(200)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.delete(principal, id);
    return { ok: true };
  }

  @Post(':id/prompt_async')
  @HttpCode(204)
  async prompt(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(promptSchema)) body: PromptInput,
  ) {
    await this.sessions.prompt(principal, id, body);
  }

  @Post(':id/interrupt')
  @HttpCode(204)
  async interrupt(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.interrupt(principal, id);
  }

  /** OpenCode's name for the same thing. */
  @Post(':id/abort')
  @HttpCode(204)
  async abort(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.interrupt(principal, id);
  }
}
