import { Inject, Injectable } from '@nestjs/common';
import {
  credentialsRpc,
  sealSecret,
  type CredentialView,
  type NatsNames,
  type RuntimeId,
} from '@lap/contracts';
import { NatsClient, RpcCallError, RpcClient, type Parser } from '@lap/messaging';
import { ApiError } from '../errors/api-error';
import { NATS_NAMES } from '../messaging/nats-names.token';

/** The sealing key changes only when the credentials service's seed does; re-fetched after this long. */
const PUBLIC_KEY_TTL_MS = 60_000;
const CALL_TIMEOUT_MS = 5_000;

/**
 * The credentials service, over NATS request/reply. An API key is sealed for the service before it
 * leaves this class, so no NATS message carries it in the clear; keys only ever come back masked.
 */
@Injectable()
export class CredentialsClient {
  private readonly rpc: RpcClient;
  private publicKey?: { value: string; fetchedAt: number };

  constructor(
    @Inject(NatsClient) nats: NatsClient,
    @Inject(NATS_NAMES) private readonly names: NatsNames,
  ) {
    this.rpc = new RpcClient(nats.connection);
  }

  async put(ownerId: string, runtime: RuntimeId, apiBase: string, apiKey: string): Promise<CredentialView> {
    const sealedApiKey = sealSecret(apiKey, await this.sealingKey());
    try {
      return await this.call(
        this.names.rpc.credentials.put,
        { ownerId, runtime, apiBase, sealedApiKey },
        credentialsRpc.put.reply,
      );
    } catch (error) {
      // The service may have a new sealing key (its seed rotated): fetch it afresh next time.
      this.publicKey = undefined;
      throw error;
    }
  }

  async list(ownerId: string): Promise<CredentialView[]> {
    return (await this.call(this.names.rpc.credentials.list, { ownerId }, credentialsRpc.list.reply))
      .credentials;
  }

  async delete(ownerId: string, runtime: RuntimeId): Promise<boolean> {
    return (
      await this.call(this.names.rpc.credentials.delete, { ownerId, runtime }, credentialsRpc.delete.reply)
    ).deleted;
  }

  private async sealingKey(): Promise<string> {
    if (this.publicKey && Date.now() - this.publicKey.fetchedAt < PUBLIC_KEY_TTL_MS)
      return this.publicKey.value;
    const { publicKey } = await this.call(
      this.names.rpc.credentials.publicKey,
      {},
      credentialsRpc.publicKey.reply,
    );
    this.publicKey = { value: publicKey, fetchedAt: Date.now() };
    return publicKey;
  }

  private async call<T>(subject: string, request: unknown, reply: Parser<T>): Promise<T> {
    try {
      return await this.rpc.call(subject, request, reply, CALL_TIMEOUT_MS);
    } catch (error) {
      throw toApiError(error);
    }
  }
}

function toApiError(error: unknown): unknown {
  if (!(error instanceof RpcCallError)) return error;
  switch (error.type) {
    case 'unavailable':
      return ApiError.unavailable('credentials service unavailable, retry shortly');
    case 'invalid_request':
      return ApiError.badRequest(error.message);
    case 'not_found':
      return ApiError.notFound(error.message);
    default:
      return new ApiError(502, 'the credentials service failed; see its logs');
  }
}
