import { z } from 'zod';

/** Request/reply messages of the credentials service (subjects in `natsNames().rpc.credentials`). */
export const RUNTIMES = ['cursor'] as const;
export type RuntimeId = (typeof RUNTIMES)[number];
export const DEFAULT_CURSOR_API_BASE = 'https://api.cursor.com';

const sealedSecretSchema = z.object({
  epk: z.string(),
  iv: z.string(),
  ciphertext: z.string(),
  tag: z.string(),
});

/** What anyone but a runner may see of a stored credential. */
export const credentialViewSchema = z.object({
  runtime: z.enum(RUNTIMES),
  apiBase: z.string(),
  maskedApiKey: z.string(),
  keyId: z.string(),
  updatedAt: z.string(),
});
export type CredentialView = z.infer<typeof credentialViewSchema>;

export const credentialsRpc = {
  publicKey: {
    request: z.object({}),
    reply: z.object({ publicKey: z.string() }),
  },
  put: {
    request: z.object({
      ownerId: z.string(),
      runtime: z.enum(RUNTIMES),
      apiBase: z.string(),
      sealedApiKey: sealedSecretSchema,
    }),
    reply: credentialViewSchema,
  },
  list: {
    request: z.object({ ownerId: z.string() }),
    reply: z.object({ credentials: z.array(credentialViewSchema) }),
  },
  delete: {
    request: z.object({ ownerId: z.string(), runtime: z.enum(RUNTIMES) }),
    reply: z.object({ deleted: z.boolean() }),
  },
  /** Runners only: the key comes back sealed for the one-time public key the runner sent. */
  resolve: {
    request: z.object({ ownerId: z.string(), runtime: z.enum(RUNTIMES), replyPublicKey: z.string() }),
    reply: z.object({ apiBase: z.string(), sealedApiKey: sealedSecretSchema }),
  },
} as const;

/** A mask that shows only the last four characters: enough to recognise a key, useless to use one. */
export function maskApiKey(apiKey: string): string {
  return `…${apiKey.slice(-4)}`;
}
