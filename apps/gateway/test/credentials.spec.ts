import {
  credentialsRpc,
  maskApiKey,
  newSealingKeyPair,
  openSealedSecret,
  type CredentialView,
} from '@lap/contracts';
import { RpcServer } from '@lap/messaging';
import { startTestGateway, type GatewayHarness } from './support/gateway-harness';

const API_KEY = 'crsr_plaintext_key_that_must_never_travel_0123456789';

/**
 * Plays the credentials service: opens what the gateway sealed and keeps masked views, so the test
 * can check the gateway only ever sends a sealed key.
 */
class FakeCredentialsService {
  readonly keys = newSealingKeyPair();
  readonly stored = new Map<string, CredentialView & { apiKey: string }>();
  readonly putRequests: unknown[] = [];
  private readonly server: RpcServer;

  constructor(harness: GatewayHarness) {
    const subjects = harness.nats.names.rpc.credentials;
    this.server = new RpcServer(harness.nats.client.connection);
    this.server.serve(subjects.publicKey, credentialsRpc.publicKey.request, async () => ({
      publicKey: this.keys.publicKey,
    }));
    this.server.serve(subjects.put, credentialsRpc.put.request, async (request) => {
      this.putRequests.push(request);
      const apiKey = openSealedSecret(request.sealedApiKey, this.keys);
      const view: CredentialView = {
        runtime: request.runtime,
        apiBase: request.apiBase,
        maskedApiKey: maskApiKey(apiKey),
        keyId: 'k1',
        updatedAt: new Date().toISOString(),
      };
      this.stored.set(`${request.ownerId}/${request.runtime}`, { ...view, apiKey });
      return view;
    });
    this.server.serve(subjects.list, credentialsRpc.list.request, async ({ ownerId }) => ({
      credentials: [...this.stored.entries()]
        .filter(([key]) => key.startsWith(`${ownerId}/`))
        .map(([, { apiKey: _secret, ...view }]) => view),
    }));
    this.server.serve(subjects.delete, credentialsRpc.delete.request, async ({ ownerId, runtime }) => ({
      deleted: this.stored.delete(`${ownerId}/${runtime}`),
    }));
  }

  close(): void {
    this.server.close();
  }
}

describe('LAP runtimes and credentials', () => {
  let harness: GatewayHarness;
  let service: FakeCredentialsService;
  const taps: Array<{ unsubscribe(): void }> = [];
  const wire: string[] = [];

  beforeAll(async () => {
    harness = await startTestGateway('gwcreds');
    // Everything on this deployment's subjects, replies included (RPC inboxes are outside the prefix,
    // so they are tapped too).
    const connection = harness.nats.client.connection;
    for (const subject of [`${harness.nats.prefix}.>`, '_INBOX.>']) {
      taps.push(
        connection.subscribe(subject, {
          callback: (_error, message) => void wire.push(new TextDecoder().decode(message.data)),
        }),
      );
    }
    service = new FakeCredentialsService(harness);
    await harness.nats.client.connection.flush();
  });
  afterAll(async () => {
    for (const tap of taps) tap.unsubscribe();
    service.close();
    await harness.close();
  });

  it('lists the cursor runtime, not connected at first', async () => {
    const response = await harness.authed('get', '/api/agent-runtimes').expect(200);
    expect(response.body).toEqual({
      runtimes: [
        {
          id: 'cursor',
          name: 'Cursor',
          default_api_base: 'https://api.cursor.com',
          connected: false,
          api_base: null,
          masked_api_key: null,
        },
      ],
    });
    await harness.authed('get', '/api/agent-runtimes/cursor/credentials').expect(404);
  });

  it('stores a key sealed, answers with the masked list, and never sends the key in the clear', async () => {
    const response = await harness
      .authed('put', '/api/agent-runtimes/cursor/credentials')
      .send({ api_key: API_KEY, api_base: 'https://api.cursor.com' })
      .expect(200);
    expect(response.body).toEqual({
      runtimes: [
        {
          id: 'cursor',
          name: 'Cursor',
          default_api_base: 'https://api.cursor.com',
          connected: true,
          api_base: 'https://api.cursor.com',
          masked_api_key: maskApiKey(API_KEY),
        },
      ],
    });
    expect(JSON.stringify(response.body)).not.toContain(API_KEY);
    // The service received a sealed key it could open, under the master key's owner.
    expect(service.stored.get('default/cursor')?.apiKey).toBe(API_KEY);
    expect(service.putRequests).toEqual([
      expect.objectContaining({ ownerId: 'default', runtime: 'cursor', sealedApiKey: expect.any(Object) }),
    ]);
    await harness.nats.client.connection.flush();
    expect(wire.some((message) => message.includes('sealedApiKey'))).toBe(true);
    for (const message of wire) expect(message).not.toContain(API_KEY);
  });

  it('shows the stored credential masked', async () => {
    const response = await harness.authed('get', '/api/agent-runtimes/cursor/credentials').expect(200);
    expect(response.body).toEqual({
      runtime: 'cursor',
      api_base: 'https://api.cursor.com',
      masked_api_key: maskApiKey(API_KEY),
      updated_at: expect.any(String),
    });
  });

  it('defaults api_base and validates the body', async () => {
    await harness
      .authed('put', '/api/agent-runtimes/cursor/credentials')
      .send({ api_key: 'other-key-1234' })
      .expect(200);
    expect(service.stored.get('default/cursor')?.apiBase).toBe('https://api.cursor.com');
    const missing = await harness
      .authed('put', '/api/agent-runtimes/cursor/credentials')
      .send({})
      .expect(400);
    expect(missing.body).toEqual({
      error: { type: 'invalid_request_error', message: 'api_key: expected a string, got nothing' },
    });
    const badBase = await harness
      .authed('put', '/api/agent-runtimes/cursor/credentials')
      .send({ api_key: 'k', api_base: 'ftp://example.com' })
      .expect(400);
    expect(badBase.body.error.message).toBe(
      'api_base: expected an http(s) URL such as https://api.cursor.com',
    );
  });

  it('names the available runtimes for an unknown one', async () => {
    const response = await harness
      .authed('put', '/api/agent-runtimes/devin/credentials')
      .send({ api_key: 'k' })
      .expect(404);
    expect(response.body).toEqual({
      error: { type: 'not_found_error', message: 'unknown runtime "devin"; available: cursor' },
    });
  });

  it('deletes the credential', async () => {
    await harness.authed('delete', '/api/agent-runtimes/cursor/credentials').expect(200, { ok: true });
    await harness.authed('get', '/api/agent-runtimes/cursor/credentials').expect(404);
  });

  it('answers 503 when the credentials service does not answer', async () => {
    service.close();
    const response = await harness.authed('get', '/api/agent-runtimes').expect(503);
    expect(response.body).toEqual({
      error: { type: 'service_unavailable_error', message: 'credentials service unavailable, retry shortly' },
    });
  });
});
