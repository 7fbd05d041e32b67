import { newCommandId, type UserInterruptCommand, type UserMessageCommand } from '@lap/contracts';

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
