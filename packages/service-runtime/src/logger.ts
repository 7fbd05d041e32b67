import { ConsoleLogger, type LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The process-wide logger: JSON lines in production, readable lines in development. */
export function createLogger(
  service: string,
  options: { level: string; format: 'json' | 'pretty' },
): ConsoleLogger {
  const upTo = LEVELS.indexOf(options.level as LogLevel);
  return new ConsoleLogger(service, {
    json: options.format === 'json',
    colors: options.format === 'pretty' && process.stdout.isTTY,
    prefix: service,
    logLevels: LEVELS.slice(0, upTo < 0 ? 4 : upTo + 1),
  });
}
