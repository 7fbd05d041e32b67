import { randomBytes } from 'crypto';
import { hostname } from 'os';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { natsNames, type NatsNames } from '@lap/contracts';
import { NatsClient, RpcClient, SubjectLog } from '@lap/messaging';
import { HealthModule } from '@lap/service-runtime';
import type { RunnerConfig } from './config';
import { NATS_NAMES, RUNNER_CONFIG } from './runner.tokens';
import { CommandConsumerService } from './commands/command-consumer.service';
import { CommandProcessor } from './commands/command-processor';
import { CredentialsResolver } from './credentials/credentials-resolver';
import { SessionControl } from './control/session-control';
import { SessionLogRepository } from './session-log/session-log.repository';

/** One raw append's wait for JetStream: short, since a repeat is safe and a reconnect loses the answer. */
const APPEND_ATTEMPT_TIMEOUT_MS = 3_000;

@Module({})
export class RunnerModule {
  static register(config: RunnerConfig, nats: NatsClient): DynamicModule {
    const logger = new Logger('SessionRunner');
    // Names this process on every raw record it writes: who wrote what, and a stale writer is told apart.
    const writerId = `runner:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    return {
      module: RunnerModule,
      imports: [
        HealthModule.register({
          useFactory: () => [{ name: 'nats', check: () => nats.ping() }],
        }),
      ],
      providers: [
        { provide: RUNNER_CONFIG, useValue: config },
        { provide: NATS_NAMES, useValue: natsNames(config.LAP_PREFIX) },
        { provide: NatsClient, useValue: nats },
        {
          provide: SessionControl,
          inject: [NATS_NAMES],
          useFactory: (names: NatsNames) =>
            new SessionControl(nats.connection, names, (message, error) =>
              logger.warn(`${message}: ${(error as Error)?.message}`),
            ),
        },
        {
          provide: CommandProcessor,
          inject: [NATS_NAMES, SessionControl],
          useFactory: (names: NatsNames, control: SessionControl) =>
            new CommandProcessor({
              names,
              commands: new SubjectLog(nats, names.streams.commands),
              sessionLogs: new SessionLogRepository(
                new SubjectLog(nats, names.streams.raw, {
                  writerId,
                  retryForMs: config.RUNNER_APPEND_RETRY_MS,
                  attemptTimeoutMs: APPEND_ATTEMPT_TIMEOUT_MS,
                }),
                names,
              ),
              credentials: new CredentialsResolver(new RpcClient(nats.connection), names),
              control,
              logger,
              queueRetryMs: 1_000,
              createGraceMs: 10_000,
              // Two leases: by then a holder that stays silent has lost the session to another runner.
              holderSilenceMs: 2 * config.RUNNER_ACK_WAIT_MS,
              settings: {
                streamIdleTimeoutMs: config.CURSOR_STREAM_IDLE_MS,
                retryBaseMs: config.CURSOR_RETRY_BASE_MS,
                retryMaxDelayMs: config.CURSOR_RETRY_MAX_DELAY_MS,
                maxAttempts: config.CURSOR_MAX_ATTEMPTS,
                agentBusyTimeoutMs: config.CURSOR_AGENT_BUSY_TIMEOUT_MS,
              },
            }),
        },
        CommandConsumerService,
      ],
    };
  }
}
