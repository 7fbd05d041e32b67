export * from './postgres-options';
export * from './migrate';
export * from './database-errors';
