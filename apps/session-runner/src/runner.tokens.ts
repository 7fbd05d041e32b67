export const RUNNER_CONFIG = Symbol('RUNNER_CONFIG');
export const NATS_NAMES = Symbol('NATS_NAMES');
