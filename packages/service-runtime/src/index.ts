export * from './logger';
export * from './health.module';
export * from './run-service';
export * from './prometheus-text';
