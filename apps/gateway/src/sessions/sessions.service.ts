import { Injectable, Logger } from '@nestjs/common';
import { newSessionId } from '@lap/contracts';
import { AgentsService } from '../agents/agents.service';
import { canSee, ownerFilter, type Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { SessionEntity, type SessionStatus } from './session.entity';
import type { CreateSessionInput, PromptInput } from './session.schemas';
import { CommandNotQueuedError, SessionCommandsPublisher } from './session-commands.publisher';
import { SessionsRepository } from './sessions.repository';

const TITLE_LENGTH = 80;
/** A new prompt makes a resting session pending until its run starts. */
const RESTING: SessionStatus[] = ['idle', 'error'];
const LIVE: SessionStatus[] = ['pending', 'running'];

@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly agents: AgentsService,
    private readonly commands: SessionCommandsPublisher,
  ) {}

  /**
   * Writes the session, then (with a prompt) queues its first message. Answers at once: the run's
   * progress arrives on the event stream.
   */
  async create(principal: Principal, input: CreateSessionInput): Promise<SessionEntity> {
    const agent = await this.agents.get(principal, input.agent_id);
    if (input.runtime !== undefined && input.runtime !== agent.runtime) {
      throw ApiError.badRequest(
        `runtime: "${input.runtime}" does not match the runtime of agent "${agent.id}" ("${agent.runtime}")`,
      );
    }
    const { model, ...environment } = input.environment ?? {
      repository: null,
      ref: null,
      auto_create_pr: false,
    };
    const now = new Date();
    const session = await this.sessions.insert(
      Object.assign(new SessionEntity(), {
        id: newSessionId(now.getTime()),
        ownerId: agent.ownerId,
        agentId: agent.id,
        agentSnapshot: {
          id: agent.id,
          version: agent.version,
          name: agent.name,
          model: model ?? agent.model,
          system: agent.system,
          description: agent.description,
          runtime: agent.runtime,
        },
        runtime: agent.runtime,
        title: input.title || titleFromPrompt(input.prompt),
        status: input.prompt === undefined ? 'idle' : 'pending',
        environmentId: null,
        environment,
        metadata: {},
        outputs: {},
        lastEventSeq: 0,
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      } satisfies SessionEntity),
    );
    if (input.prompt !== undefined) {
      try {
        await this.commands.sendMessage(session, principal.ownerId, input.prompt);
      } catch (error) {
        if (!(error instanceof CommandNotQueuedError)) throw error;
        await this.restoreStatus(session.id, 'idle');
        this.logger.warn(`session ${session.id}: first prompt not queued: ${error.message}`);
        throw ApiError.unavailable(
          `session "${session.id}" was created, but its prompt could not be queued (messaging unavailable); ` +
            `re-send it with POST /session/${session.id}/prompt_async`,
        );
      }
    }
    return session;
  }

  list(principal: Principal): Promise<SessionEntity[]> {
    return this.sessions.listActive(ownerFilter(principal));
  }

  /** The session, or a 404 when it does not exist, is deleted, or belongs to someone else. */
  async get(principal: Principal, id: string): Promise<SessionEntity> {
    const session = await this.sessions.findActive(id);
    if (!session || !canSee(principal, session.ownerId)) throw ApiError.notFound(`session "${id}" not found`);
    return session;
  }

  /** A follow-up message: the runner starts a new Cursor run once the current one ends. */
  async prompt(principal: Principal, id: string, input: PromptInput): Promise<void> {
    const session = await this.get(principal, id);
    const text = input.parts
      .map((part) => part.text)
      .filter((part) => part.trim() !== '')
      .join('\n\n');
    if (text === '') throw ApiError.badRequest('parts: expected at least one text part with some text');
    const previous = session.status;
    const becamePending =
      RESTING.includes(previous) && (await this.sessions.transitionStatus(id, RESTING, 'pending'));
    try {
      await this.commands.sendMessage(session, principal.ownerId, text, input.model);
    } catch (error) {
      if (becamePending) await this.restoreStatus(id, previous);
      throw this.notQueued(error, 'prompt');
    }
  }

  async interrupt(principal: Principal, id: string): Promise<void> {
    const session = await this.get(principal, id);
    try {
      await this.commands.interrupt(session, principal.ownerId);
    } catch (error) {
      throw this.notQueued(error, 'interrupt');
    }
  }

  /** Hides the session from every route; a live run is asked to stop (best effort). */
  async delete(principal: Principal, id: string): Promise<void> {
    const session = await this.get(principal, id);
    await this.sessions.archive(id);
    if (LIVE.includes(session.status)) {
      await this.commands.interrupt(session, principal.ownerId).catch((error: Error) => {
        this.logger.warn(`session ${id} deleted, but its run could not be interrupted: ${error.message}`);
      });
    }
  }

  /** Undoes our own "pending", unless the projector moved the session on meanwhile. */
  private async restoreStatus(id: string, status: SessionStatus): Promise<void> {
    await this.sessions.transitionStatus(id, ['pending'], status).catch((error: Error) => {
      this.logger.warn(`session ${id}: could not restore status "${status}": ${error.message}`);
    });
  }

  private notQueued(error: unknown, what: string): unknown {
    if (!(error instanceof CommandNotQueuedError)) return error;
    this.logger.warn(error.message);
    return ApiError.unavailable(`messaging unavailable: the ${what} was not queued; retry shortly`);
  }
}

function titleFromPrompt(prompt: string | undefined): string | null {
  if (prompt === undefined) return null;
  const firstLine = prompt.split('\n', 1)[0].trim();
  return firstLine.length > TITLE_LENGTH ? `${firstLine.slice(0, TITLE_LENGTH - 1)}…` : firstLine;
}
