import type { NatsNames, SessionCommand } from '@lap/contracts';
import { SubjectLog, type NatsClient } from '@lap/messaging';

/** Plays the runner's part: reads (without taking) the commands queued for a session, oldest first. */
export async function queuedCommands(
  client: NatsClient,
  names: NatsNames,
  sessionId: string,
): Promise<SessionCommand[]> {
  const log = new SubjectLog(client, names.streams.commands);
  const commands: SessionCommand[] = [];
  let seq = 1;
  for (;;) {
    const record = await log.next<SessionCommand>(names.command(sessionId), seq);
    if (!record) return commands;
    commands.push(record.data);
    seq = record.seq + 1;
  }
}
