import { credentialsRpc, newSealingKeyPair, openSealedSecret, type NatsNames } from '@lap/contracts';
import type { RpcClient } from '@lap/messaging';

export interface ResolvedCredential {
  apiBase: string;
  apiKey: string;
}

/**
 * Asks the credentials service for a session's Cursor key. The key travels sealed for a one-time key
 * pair made for this call, so it is in the clear only in this process's memory.
 */
export class CredentialsResolver {
  constructor(
    private readonly rpc: RpcClient,
    private readonly names: NatsNames,
  ) {}

  async resolve(ownerId: string): Promise<ResolvedCredential> {
    const oneTime = newSealingKeyPair();
    const reply = await this.rpc.call(
      this.names.rpc.credentials.resolve,
      { ownerId, runtime: 'cursor', replyPublicKey: oneTime.publicKey },
      credentialsRpc.resolve.reply,
    );
    return { apiBase: reply.apiBase, apiKey: openSealedSecret(reply.sealedApiKey, oneTime) };
  }
}
