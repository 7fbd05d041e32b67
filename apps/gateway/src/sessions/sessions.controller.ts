import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ZodValidationPipe } from '../validation/zod-validation.pipe';
import { toLapSessionView } from './lap-session.view';
import { messageText } from './message-text';
import {
  createSessionSchema,
  promptSchema,
  type CreateSessionInput,
  type PromptInput,
} from './session.schemas';
import { SessionsService } from './sessions.service';

const TITLE_LENGTH = 80;

/** LAP's OpenCode-style session routes. */
@Controller('session')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createSessionSchema)) body: CreateSessionInput,
  ) {
    const { model, ...environment } = body.environment ?? {
      repository: null,
      ref: null,
      auto_create_pr: false,
    };
    const session = await this.sessions.create(principal, {
      agentId: body.agent_id,
      runtime: body.runtime,
      title: body.title || titleFromPrompt(body.prompt),
      environmentId: null,
      environment,
      model,
      metadata: {},
      initialMessages: body.prompt === undefined ? [] : [body.prompt],
    });
    return toLapSessionView(session);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    return (await this.sessions.list(principal)).map(toLapSessionView);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return toLapSessionView(await this.sessions.getCurrent(principal, id));
  }

  @Delete(':id')
  @HttpCode(200)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.delete(principal, id);
    return { ok: true };
  }

  /** A follow-up message: the runner starts a new Cursor run once the current one ends. */
  @Post(':id/prompt_async')
  @HttpCode(204)
  async prompt(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(promptSchema)) body: PromptInput,
  ) {
    const text = messageText(body.parts, 'parts');
    await this.sessions.send(principal, id, [{ type: 'user.message', text, model: body.model }]);
  }

  @Post(':id/interrupt')
  @HttpCode(204)
  async interrupt(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.send(principal, id, [{ type: 'user.interrupt' }]);
  }

  /** OpenCode's name for the same thing. */
  @Post(':id/abort')
  @HttpCode(204)
  async abort(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.sessions.send(principal, id, [{ type: 'user.interrupt' }]);
  }
}

function titleFromPrompt(prompt: string | undefined): string | null {
  if (prompt === undefined) return null;
  const firstLine = prompt.split('\n', 1)[0].trim();
  return firstLine.length > TITLE_LENGTH ? `${firstLine.slice(0, TITLE_LENGTH - 1)}…` : firstLine;
}
