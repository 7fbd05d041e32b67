/** Injection token of this deployment's `NatsNames` (subjects, streams, consumers for LAP_PREFIX). */
export const NATS_NAMES = Symbol('NATS_NAMES');
