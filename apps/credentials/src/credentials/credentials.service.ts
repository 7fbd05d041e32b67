import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import type { z } from 'zod';
import {
  maskApiKey,
  sealSecret,
  type CredentialView,
  type credentialsRpc,
  type RuntimeId,
  type SealedSecret,
} from '@lap/contracts';
import { isDatabaseUnavailable } from '@lap/db';
import { RpcCallError } from '@lap/messaging';
import { KeyRing, UndecryptableSecretError } from '../encryption/key-ring';
import { RuntimeCredential } from './runtime-credential.entity';
import { invalidRequest, requireApiBase, requireOwnerId, requireReplyPublicKey } from './request-validation';

type Request<K extends keyof typeof credentialsRpc> = z.infer<(typeof credentialsRpc)[K]['request']>;
type Reply<K extends keyof typeof credentialsRpc> = z.infer<(typeof credentialsRpc)[K]['reply']>;

const RUNTIME_NAMES: Record<RuntimeId, string> = { cursor: 'Cursor' };

/**
 * Stores runtime API keys encrypted and hands a decrypted key out only sealed for the runner that
 * asked. The plaintext key lives only in local variables here: never in a log line, an error message
 * or a reply.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    @InjectRepository(RuntimeCredential) private readonly credentials: Repository<RuntimeCredential>,
    private readonly keyRing: KeyRing,
  ) {}

  publicKey(): Reply<'publicKey'> {
    return { publicKey: this.keyRing.sealingKeyPair.publicKey };
  }

  /** Creates or replaces the owner's key for the runtime, encrypted with the active key. */
  async put(request: Request<'put'>): Promise<CredentialView> {
    const ownerId = requireOwnerId(request.ownerId);
    const apiBase = requireApiBase(request.apiBase);
    const apiKey = this.openApiKey(request.sealedApiKey);
    const encrypted = this.keyRing.encrypt(apiKey, encryptionContext(ownerId, request.runtime));
    return this.withDatabase(async () => {
      await this.credentials
        .createQueryBuilder()
        .insert()
        .values({
          ownerId,
          runtime: request.runtime,
          apiBase,
          keyId: encrypted.keyId,
          iv: encrypted.iv,
          ciphertext: encrypted.ciphertext,
          authTag: encrypted.authTag,
          maskedApiKey: maskApiKey(apiKey),
        })
        .orUpdate(
          ['api_base', 'key_id', 'iv', 'ciphertext', 'auth_tag', 'masked_api_key', 'updated_at'],
          ['owner_id', 'runtime'],
        )
        .execute();
      const stored = await this.credentials.findOneByOrFail({ ownerId, runtime: request.runtime });
      return toView(stored);
    });
  }

  async list(request: Request<'list'>): Promise<Reply<'list'>> {
    const ownerId = requireOwnerId(request.ownerId);
    const stored = await this.withDatabase(() =>
      this.credentials.find({ where: { ownerId }, order: { runtime: 'ASC' } }),
    );
    return { credentials: stored.map(toView) };
  }

  async delete(request: Request<'delete'>): Promise<Reply<'delete'>> {
    const ownerId = requireOwnerId(request.ownerId);
    const result = await this.withDatabase(() =>
      this.credentials.delete({ ownerId, runtime: request.runtime }),
    );
    return { deleted: (result.affected ?? 0) > 0 };
  }

  /** For runners: the key, sealed for the one-time public key the runner sent. */
  async resolve(request: Request<'resolve'>): Promise<Reply<'resolve'>> {
    const ownerId = requireOwnerId(request.ownerId);
    const replyPublicKey = requireReplyPublicKey(request.replyPublicKey);
    const { runtime } = request;
    const stored = await this.withDatabase(() => this.credentials.findOneBy({ ownerId, runtime }));
    const runtimeName = RUNTIME_NAMES[runtime];
    const howToAdd = `PUT /api/agent-runtimes/${runtime}/credentials`;
    if (!stored) {
      throw new RpcCallError('not_found', `No ${runtimeName} API key is stored: add one with ${howToAdd}`);
    }
    let apiKey: string;
    try {
      apiKey = this.keyRing.decrypt(stored, encryptionContext(ownerId, runtime));
    } catch (error) {
      if (!(error instanceof UndecryptableSecretError)) throw error;
      this.logger.error(`stored ${runtime} key of owner ${ownerId} is unreadable: ${error.message}`);
      throw new RpcCallError(
        'internal',
        `The stored ${runtimeName} API key cannot be decrypted with the configured encryption keys: store it again with ${howToAdd}`,
      );
    }
    return { apiBase: stored.apiBase, sealedApiKey: sealSecret(apiKey, replyPublicKey) };
  }

  private openApiKey(sealed: SealedSecret): string {
    let opened: string;
    try {
      opened = this.keyRing.openSealed(sealed);
    } catch {
      throw invalidRequest(
        'sealedApiKey',
        'cannot be opened: seal the key for the public key the credentials service publishes',
      );
    }
    const apiKey = opened.trim();
    if (apiKey === '') throw invalidRequest('sealedApiKey', 'the API key is empty');
    return apiKey;
  }

  /** An unreachable database is an `unavailable` reply the caller can retry; the pool reconnects on its own. */
  private async withDatabase<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      this.logger.warn(`database unavailable: ${(error as Error).message}`);
      throw new RpcCallError('unavailable', 'credentials database unavailable');
    }
  }
}

/** TypeORM wraps a connection lost mid-query in a QueryFailedError: the driver's own error tells. */
function isConnectionLoss(error: unknown): boolean {
  return (
    isDatabaseUnavailable(error) ||
    (error instanceof QueryFailedError && isDatabaseUnavailable(error.driverError))
  );
}

/** Bound to each ciphertext, so a row moved to another owner or runtime no longer decrypts. */
function encryptionContext(ownerId: string, runtime: RuntimeId): string {
  return JSON.stringify([ownerId, runtime]);
}

function toView(credential: RuntimeCredential): CredentialView {
  return {
    runtime: credential.runtime,
    apiBase: credential.apiBase,
    maskedApiKey: credential.maskedApiKey,
    keyId: credential.keyId,
    updatedAt: credential.updatedAt.toISOString(),
  };
}
