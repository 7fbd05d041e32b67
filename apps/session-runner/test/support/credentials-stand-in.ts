import { credentialsRpc, sealSecret } from '@lap/contracts';
import { RpcCallError, RpcServer } from '@lap/messaging';
import type { TestNats } from '@lap/testing';

/**
 * Plays the credentials service: answers with the owner's Cursor key from `keys`, sealed for the
 * runner that asked, and "not found" for an owner without one.
 */
export function serveCursorKeys(nats: TestNats, apiBase: string, keys: Record<string, string>): RpcServer {
  const server = new RpcServer(nats.client.connection);
  server.serve(nats.names.rpc.credentials.resolve, credentialsRpc.resolve.request, async (request) => {
    const key = keys[request.ownerId];
    if (!key) {
      throw new RpcCallError(
        'not_found',
        'No Cursor API key is stored: add one with PUT /api/agent-runtimes/cursor/credentials',
      );
    }
    return { apiBase, sealedApiKey: sealSecret(key, request.replyPublicKey) };
  });
  return server;
}

/** A credentials service that is away for now; each owner asked for lands in `asked`. */
export function credentialsAway(asked: string[] = []) {
  return {
    resolve: async (ownerId: string): Promise<never> => {
      asked.push(ownerId);
      throw new RpcCallError('unavailable', 'credentials service away');
    },
  };
}
