import { runService } from '@lap/service-runtime';
import { loadGatewayConfig } from './config';
import { startGateway } from './start-gateway';

runService('gateway', async () => startGateway(loadGatewayConfig()));
