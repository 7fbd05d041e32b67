import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NatsClient } from '@lap/messaging';
import { createLogger } from '@lap/service-runtime';
import { RunnerModule } from './runner.module';
import type { RunnerConfig } from './config';
import { CommandConsumerService } from './commands/command-consumer.service';

export { runnerConfigSchema, type RunnerConfig } from './config';

export interface RunningSessionRunner {
  httpUrl: string;
  activeSessions(): number;
  close(): Promise<void>;
}

/** Starts a session runner: takes session commands from NATS and drives Cursor runs. */
export async function startSessionRunner(config: RunnerConfig): Promise<RunningSessionRunner> {
  const nats = await NatsClient.connect({ url: config.NATS_URL, name: 'session-runner' });
  const app = await NestFactory.create(RunnerModule.register(config, nats), {
    logger: createLogger('session-runner', { level: config.LOG_LEVEL, format: config.LOG_FORMAT }),
  });
  await app.listen(config.RUNNER_PORT, config.HOST);
  const consumer = app.get(CommandConsumerService);
  return {
    httpUrl: await app.getUrl(),
    activeSessions: () => consumer.activeSessions,
    close: async () => {
      await app.close();
      await nats.close();
    },
  };
}
