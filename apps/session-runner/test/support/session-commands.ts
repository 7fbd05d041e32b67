import {
  newCommandId,
  type NatsNames,
  type SessionCommand,
  type UserInterruptCommand,
  type UserMessageCommand,
} from '@lap/contracts';
import type { WorkItem } from '@lap/messaging';
import type { CommandProcessor } from '../../src/commands/command-processor';

/** A user message for a session, as the gateway would queue it. */
export function userMessage(sessionId: string, text: string, ownerId = 'alice'): UserMessageCommand {
  return {
    type: 'user.message',
    commandId: newCommandId(),
    sessionId,
    ownerId,
    issuedAt: new Date().toISOString(),
    text,
    agent: { name: 'fixer', model: 'claude-opus-4-5', system: 'You are a coding assistant.' },
    environment: { repository: 'https://github.com/acme/app', ref: 'main', autoCreatePr: false },
  };
}

/** An interrupt for a session, as the gateway would queue it. */
export function userInterrupt(sessionId: string, ownerId = 'alice'): UserInterruptCommand {
  return {
    type: 'user.interrupt',
    commandId: newCommandId(),
    sessionId,
    ownerId,
    issuedAt: new Date().toISOString(),
  };
}

/** What a handler did with a delivered command: the delays it was handed back with, the sequences acked. */
export interface Settling {
  naks: Array<number | undefined>;
  acks: number[];
}

export const newSettling = (): Settling => ({ naks: [], acks: [] });

/** A command as the work queue delivers it, at `seq`; how its handler settles it lands in `settling`. */
export function deliveredCommand(
  names: NatsNames,
  command: SessionCommand,
  seq: number,
  settling: Settling,
  storedBeforeConsumer = false,
): WorkItem {
  return {
    subject: names.command(command.sessionId),
    seq,
    deliveryCount: 1,
    storedBeforeConsumer,
    headers: {},
    data: new Uint8Array(),
    json: <T>() => command as T,
    ack: async () => void settling.acks.push(seq),
    nak: (delayMs?: number) => void settling.naks.push(delayMs),
    working: () => undefined,
    term: () => undefined,
    settled: () => settling.naks.length + settling.acks.length > 0,
  };
}

/**
 * Hands `command`, delivered at `seq` (by a consumer made after it was stored, with
 * `storedBeforeConsumer`), to `processor`; resolves to how it was settled. A handler that throws
 * rejects, as the worker would see it.
 */
export async function handleDelivered(
  processor: Pick<CommandProcessor, 'handle'>,
  names: NatsNames,
  command: SessionCommand,
  seq: number,
  storedBeforeConsumer = false,
): Promise<Settling> {
  const settling = newSettling();
  await processor.handle(
    deliveredCommand(names, command, seq, settling, storedBeforeConsumer),
    new AbortController().signal,
  );
  return settling;
}
