import { Inject, Injectable } from '@nestjs/common';
import {
  Header,
  newCommandId,
  userInterruptCommandSchema,
  userMessageCommandSchema,
  type NatsNames,
  type SessionCommand,
  type UserInterruptCommand,
  type UserMessageCommand,
} from '@lap/contracts';
import { NatsClient, SubjectLog } from '@lap/messaging';
import { NATS_NAMES } from '../messaging/nats-names.token';
import type { SessionEntity } from './session.entity';

const PUBLISH_TIMEOUT_MS = 5_000;

/** JetStream did not confirm the command: it may not be queued, and the caller should say so. */
export class CommandNotQueuedError extends Error {
  constructor(cause: unknown) {
    super(`command not queued: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'CommandNotQueuedError';
  }
}

/**
 * Queues session commands on `<P>.cmd.<sessionId>` (the commands work queue) for the session runners.
 * The command id is the JetStream message id, so a retried publish is stored once.
 */
@Injectable()
export class SessionCommandsPublisher {
  private readonly log: SubjectLog;

  constructor(
    @Inject(NatsClient) nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {
    // Retried across a NATS reconnect: a command id is its message id, so a repeat is stored once and a
    // prompt never runs twice because its first publish was only slow.
    this.log = new SubjectLog(nats, names.streams.commands, {
      retryForMs: 10_000,
      attemptTimeoutMs: 2_000,
    });
  }

  /**
   * A user message: the first one creates the Cursor agent, later ones start follow-up runs.
   * `credentialsOwnerId` names whose runtime API key the runner uses.
   */
  async sendMessage(
    session: SessionEntity,
    credentialsOwnerId: string,
    text: string,
    model?: string,
  ): Promise<UserMessageCommand> {
    const snapshot = session.agentSnapshot;
    const command = userMessageCommandSchema.parse({
      ...this.commandBase(session, credentialsOwnerId),
      type: 'user.message',
      text,
      agent: { name: snapshot.name, model: model ?? snapshot.model, system: snapshot.system },
      environment: {
        repository: session.environment.repository,
        ref: session.environment.ref,
        autoCreatePr: session.environment.auto_create_pr,
      },
    } satisfies UserMessageCommand);
    await this.publish(command);
    return command;
  }

  async interrupt(session: SessionEntity, credentialsOwnerId: string): Promise<UserInterruptCommand> {
    const command = userInterruptCommandSchema.parse({
      ...this.commandBase(session, credentialsOwnerId),
      type: 'user.interrupt',
    } satisfies UserInterruptCommand);
    await this.publish(command);
    return command;
  }

  private commandBase(session: SessionEntity, ownerId: string) {
    return { commandId: newCommandId(), sessionId: session.id, ownerId, issuedAt: new Date().toISOString() };
  }

  private async publish(command: SessionCommand): Promise<void> {
    try {
      await this.log.append(this.names.command(command.sessionId), command, {
        msgId: command.commandId,
        headers: { [Header.SessionId]: command.sessionId },
        timeoutMs: PUBLISH_TIMEOUT_MS,
      });
    } catch (error) {
      throw new CommandNotQueuedError(error);
    }
  }
}
