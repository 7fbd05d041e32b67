import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { ApiError } from '../errors/api-error';
import { CredentialsClient } from './credentials.client';
import { RUNTIME_CATALOG, requireRuntime } from './runtime-catalog';
import type { PutCredentialsInput } from './runtime.schemas';
import {
  toLapCredentialView,
  toLapRuntimeView,
  type LapCredentialView,
  type LapRuntimeView,
} from './runtime.views';

/** The runtimes the gateway offers, and the principal's credentials for each. */
@Injectable()
export class RuntimesService {
  constructor(private readonly credentials: CredentialsClient) {}

  async listRuntimes(principal: Principal): Promise<{ runtimes: LapRuntimeView[] }> {
    const stored = await this.credentials.list(principal.ownerId);
    return {
      runtimes: RUNTIME_CATALOG.map((runtime) =>
        toLapRuntimeView(
          runtime,
          stored.find((credential) => credential.runtime === runtime.id),
        ),
      ),
    };
  }

  async putCredentials(
    principal: Principal,
    runtimeId: string,
    input: PutCredentialsInput,
  ): Promise<{ runtimes: LapRuntimeView[] }> {
    const runtime = requireRuntime(runtimeId, 404);
    await this.credentials.put(principal.ownerId, runtime.id, input.api_base, input.api_key);
    return this.listRuntimes(principal);
  }

  async getCredentials(principal: Principal, runtimeId: string): Promise<LapCredentialView> {
    const runtime = requireRuntime(runtimeId, 404);
    const stored = await this.credentials.list(principal.ownerId);
    const credential = stored.find((c) => c.runtime === runtime.id);
    if (!credential) throw ApiError.notFound(`no credentials stored for runtime "${runtime.id}"`);
    return toLapCredentialView(credential);
  }

  async deleteCredentials(principal: Principal, runtimeId: string): Promise<{ ok: true }> {
    const runtime = requireRuntime(runtimeId, 404);
    await this.credentials.delete(principal.ownerId, runtime.id);
    return { ok: true };
  }
}
