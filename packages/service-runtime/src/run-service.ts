import { Logger } from '@nestjs/common';

export interface RunningService {
  close(): Promise<void>;
}

/**
 * A service's `main`: start it, and on SIGTERM / SIGINT close it gracefully (once), then exit.
 * A configuration error is printed as is (it names the variables) and exits with code 78 (EX_CONFIG).
 */
export function runService(name: string, start: () => Promise<RunningService>): void {
  // Nest's static logger: once the app is up it writes through the app's own logger and format.
  const logger = new Logger(name);
  let service: RunningService | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    try {
      await service?.close();
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  start()
    .then((started) => {
      service = started;
    })
    .catch((error: Error) => {
      if (error.name === 'ConfigError') {
        process.stderr.write(`${name}: ${error.message}\n`);
        process.exit(78);
      }
      process.stderr.write(`${name}: failed to start: ${error.message}\n`);
      process.exit(1);
    });
}
