import type { NatsNames } from '@lap/contracts';

/** The request/reply subjects the responder answers on (from `natsNames(prefix)`). */
export type CredentialsSubjects = NatsNames['rpc']['credentials'];

/** Injection token for CredentialsSubjects (an interface has no runtime token of its own). */
export const CREDENTIALS_SUBJECTS = Symbol('CREDENTIALS_SUBJECTS');
