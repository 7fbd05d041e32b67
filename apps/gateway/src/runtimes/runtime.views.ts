import type { CredentialView } from '@lap/contracts';
import type { RuntimeDescriptor } from './runtime-catalog';

/** A runtime as LAP's `GET /api/agent-runtimes` lists it. */
export interface LapRuntimeView {
  id: string;
  name: string;
  default_api_base: string;
  connected: boolean;
  api_base: string | null;
  masked_api_key: string | null;
}

/** A stored credential, masked: the key itself never leaves the credentials service. */
export interface LapCredentialView {
  runtime: string;
  api_base: string;
  masked_api_key: string;
  updated_at: string;
}

export function toLapRuntimeView(runtime: RuntimeDescriptor, credential?: CredentialView): LapRuntimeView {
  return {
    id: runtime.id,
    name: runtime.name,
    default_api_base: runtime.defaultApiBase,
    connected: credential !== undefined,
    api_base: credential?.apiBase ?? null,
    masked_api_key: credential?.maskedApiKey ?? null,
  };
}

export function toLapCredentialView(credential: CredentialView): LapCredentialView {
  return {
    runtime: credential.runtime,
    api_base: credential.apiBase,
    masked_api_key: credential.maskedApiKey,
    updated_at: credential.updatedAt,
  };
}
