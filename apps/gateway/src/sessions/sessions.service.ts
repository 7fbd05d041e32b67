import { Injectable, Logger } from '@nestjs/common';
import { newSessionId, type SessionCommand } from '@lap/contracts';
import { AgentsService } from '../agents/agents.service';
import { canSee, ownerFilter, type Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { applyMetadataPatch, type MetadataPatch } from '../metadata/metadata-patch';
import type { Page, PageRequest } from '../pagination/keyset-page';
import type { SessionDraft } from './session-draft';
import { SessionEntity, type SessionStatus } from './session.entity';
import { CommandNotQueuedError, SessionCommandsPublisher } from './session-commands.publisher';
import { SessionsRepository } from './sessions.repository';
import { ProjectionCatchUp } from '../projection/projection-catch-up';

/** A new message makes a resting session pending until its run starts. */
const RESTING: SessionStatus[] = ['idle', 'error'];
const LIVE: SessionStatus[] = ['pending', 'running'];

/** What a client may send into a session: a message (a run, or a follow-up queued behind it) or an interrupt. */
export type SessionInput =
  { type: 'user.message'; text: string; model?: string } | { type: 'user.interrupt' };

export interface SessionListOptions {
  agentId?: string;
  includeArchived: boolean;
}

/** The one session model both API families work on. */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly agents: AgentsService,
    private readonly commands: SessionCommandsPublisher,
    private readonly projection: ProjectionCatchUp,
  ) {}

  /**
   * Writes the session, then queues its initial messages. Answers at once: the run's progress arrives
   * on the event stream.
   */
  async create(principal: Principal, draft: SessionDraft): Promise<SessionEntity> {
    const agent = await this.agents.get(principal, draft.agentId);
    if (draft.runtime !== undefined && draft.runtime !== agent.runtime) {
      throw ApiError.badRequest(
        `runtime: "${draft.runtime}" does not match the runtime of agent "${agent.id}" ("${agent.runtime}")`,
      );
    }
    if (draft.agentVersion !== undefined && draft.agentVersion !== agent.version) {
      throw new ApiError(
        409,
        `agent "${agent.id}" is at version ${agent.version}, not ${draft.agentVersion}; only the current version can start sessions`,
      );
    }
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
          model: draft.model ?? agent.model,
          system: agent.system,
          description: agent.description,
          runtime: agent.runtime,
          tools: agent.tools,
          mcpServers: agent.mcpServers,
        },
        runtime: agent.runtime,
        title: draft.title,
        status: draft.initialMessages.length === 0 ? 'idle' : 'pending',
        environmentId: draft.environmentId,
        environment: draft.environment,
        metadata: draft.metadata,
        outputs: {},
        lastEventSeq: 0,
        lastEventNumber: 0,
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
        deletedAt: null,
      } satisfies SessionEntity),
    );
    try {
      for (const text of draft.initialMessages) {
        await this.commands.sendMessage(session, principal.ownerId, text);
      }
    } catch (error) {
      if (!(error instanceof CommandNotQueuedError)) throw error;
      await this.restoreStatus(session.id, 'idle');
      this.logger.warn(`session ${session.id}: first message not queued: ${error.message}`);
      throw ApiError.unavailable(
        `session "${session.id}" was created, but its prompt could not be queued (messaging unavailable); ` +
          `re-send it with POST /session/${session.id}/prompt_async or POST /v1/sessions/${session.id}/events`,
      );
    }
    return session;
  }

  list(principal: Principal): Promise<SessionEntity[]> {
    return this.sessions.listActive(ownerFilter(principal));
  }

  page(
    principal: Principal,
    options: SessionListOptions,
    request: PageRequest,
  ): Promise<Page<SessionEntity>> {
    return this.sessions.page(
      { ownerId: ownerFilter(principal), agentId: options.agentId, includeArchived: options.includeArchived },
      request,
    );
  }

  /** The session (archived ones too), or a 404 when it does not exist, is deleted, or belongs to someone else. */
  async get(principal: Principal, id: string): Promise<SessionEntity> {
    const session = await this.sessions.findExisting(id);
    if (!session || !canSee(principal, session.ownerId)) throw ApiError.notFound(`session "${id}" not found`);
    return session;
  }

  /** As `get`, once the projection holds every event streamed so far: its status is the one SSE showed last. */
  async getCurrent(principal: Principal, id: string): Promise<SessionEntity> {
    const session = await this.get(principal, id);
    return (await this.projection.awaitSession(session)) ? this.get(principal, id) : session;
  }

  async updateDetails(
    principal: Principal,
    id: string,
    details: { title?: string | null; metadata?: MetadataPatch },
  ): Promise<SessionEntity> {
    const session = await this.get(principal, id);
    await this.sessions.updateDetails(id, {
      ...(details.title !== undefined && { title: details.title }),
      ...(details.metadata !== undefined && {
        metadata: applyMetadataPatch(session.metadata, details.metadata),
      }),
    });
    return this.get(principal, id);
  }

  /**
   * Queues each input in order: a message starts a run, or a follow-up run once the live one ends (the
   * runner queues it); an interrupt stops the live run. Returns the commands queued.
   */
  async send(principal: Principal, id: string, inputs: SessionInput[]): Promise<SessionCommand[]> {
    const session = await this.get(principal, id);
    if (session.archivedAt) throw ApiError.badRequest(`session "${id}" is archived and takes no more input`);
    const queued: SessionCommand[] = [];
    for (const input of inputs) {
      queued.push(
        input.type === 'user.message'
          ? await this.queueMessage(session, principal, input.text, input.model)
          : await this.queueInterrupt(session, principal),
      );
    }
    return queued;
  }

  /** Read-only from now on, still readable; a live run is asked to stop (best effort). */
  async archive(principal: Principal, id: string): Promise<SessionEntity> {
    const session = await this.get(principal, id);
    if (session.archivedAt) return session;
    await this.sessions.archive(id);
    await this.stopLiveRun(session, principal, 'archived');
    return this.get(principal, id);
  }

  /** Hides the session from every route; a live run is asked to stop (best effort). */
  async delete(principal: Principal, id: string): Promise<void> {
    const session = await this.get(principal, id);
    await this.sessions.markDeleted(id);
    await this.stopLiveRun(session, principal, 'deleted');
  }

  private async queueMessage(
    session: SessionEntity,
    principal: Principal,
    text: string,
    model: string | undefined,
  ): Promise<SessionCommand> {
    const previous = session.status;
    const becamePending =
      RESTING.includes(previous) && (await this.sessions.transitionStatus(session.id, RESTING, 'pending'));
    if (becamePending) session.status = 'pending';
    try {
      return await this.commands.sendMessage(session, principal.ownerId, text, model);
    } catch (error) {
      if (becamePending) await this.restoreStatus(session.id, previous);
      throw this.notQueued(error, 'message');
    }
  }

  private async queueInterrupt(session: SessionEntity, principal: Principal): Promise<SessionCommand> {
    try {
      return await this.commands.interrupt(session, principal.ownerId);
    } catch (error) {
      throw this.notQueued(error, 'interrupt');
    }
  }

  private async stopLiveRun(session: SessionEntity, principal: Principal, what: string): Promise<void> {
    if (!LIVE.includes(session.status)) return;
    await this.commands.interrupt(session, principal.ownerId).catch((error: Error) => {
      this.logger.warn(
        `session ${session.id} ${what}, but its run could not be interrupted: ${error.message}`,
      );
    });
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
