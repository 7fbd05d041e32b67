import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createLogger } from '@lap/service-runtime';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config';
import { translateJsonBodyErrors } from './errors/json-body-errors.middleware';
import { logRequests } from './http/request-logging.middleware';

export interface RunningGateway {
  /** Base URL, e.g. http://127.0.0.1:4000 (the real port when PORT=0). */
  url: string;
  app: NestExpressApplication;
  /** Ends SSE streams, stops the projector and the fan-out, closes HTTP, drains NATS, closes the pool. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: connects to PostgreSQL (running pending migrations) and NATS, opens the live
 * event fan-out, starts the projector, then listens.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const logger = createLogger('gateway', { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger,
    bodyParser: false,
    // Open keep-alive and SSE sockets must not hold up close().
    forceCloseConnections: true,
  });
  app.use(logRequests);
  app.useBodyParser('json', { limit: config.BODY_LIMIT });
  app.use(translateJsonBodyErrors);
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);

  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.log(`listening on ${url}`, 'Gateway');

  let closing: Promise<void> | undefined;
  return { url, app, close: () => (closing ??= app.close()) };
}
