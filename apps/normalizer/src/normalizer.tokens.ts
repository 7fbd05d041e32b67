export const NORMALIZER_CONFIG = Symbol('NORMALIZER_CONFIG');
export const NATS_NAMES = Symbol('NATS_NAMES');
