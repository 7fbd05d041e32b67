import { createLogger, runService } from '@lap/service-runtime';
import { loadGatewayConfig } from './config';
import { startGateway } from './start-gateway';

runService(
  'gateway',
  async () => startGateway(loadGatewayConfig()),
  createLogger('gateway', { level: process.env.LOG_LEVEL ?? 'log', format: 'json' }),
);
