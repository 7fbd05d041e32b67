export { startGateway, type RunningGateway } from './start-gateway';
export { gatewayConfigSchema, loadGatewayConfig, DEVELOPMENT_MASTER_KEY, type GatewayConfig } from './config';
export { EventFanout } from './events/event-fanout.service';
export { SseStreams } from './events/sse-streams.service';
export { MASTER_KEY_OWNER_ID } from './auth/principal';
