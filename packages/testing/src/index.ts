export * from './test-database';
export * from './test-nats';
export * from './wait-for';
export * from './database-relay';
export * from './process-alive';
export * from './sse-blocks';
