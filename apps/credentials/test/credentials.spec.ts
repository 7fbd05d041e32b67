import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { ConsoleLogger } from '@nestjs/common';
import { loadConfig } from '@lap/config';
import {
  credentialsRpc,
  newSealingKeyPair,
  openSealedSecret,
  sealSecret,
  type CredentialView,
} from '@lap/contracts';
import { RpcCallError, RpcClient } from '@lap/messaging';
import {
  createTestDatabase,
  createTestNats,
  waitFor,
  type TestDatabase,
  type TestNats,
  DatabaseRelay,
} from '@lap/testing';
import { credentialsConfigSchema, startCredentialsService } from '../src';
import { openDatabase } from '../src/database/open-database';

const OWNER = 'owner-1';
const CURSOR_API_BASE = 'https://api.cursor.com';
const NOT_FOUND_MESSAGE =
  'No Cursor API key is stored: add one with PUT /api/agent-runtimes/cursor/credentials';
const OLD_KEY = `old:${randomBytes(32).toString('base64')}`;
const NEW_KEY = `new:${randomBytes(32).toString('base64')}`;

const newApiKey = () => `crsr_${randomBytes(16).toString('hex')}`;

describe('credentials service against real PostgreSQL and NATS', () => {
  let database: TestDatabase;
  let nats: TestNats;
  let proxy: DatabaseRelay;
  let service: Awaited<ReturnType<typeof startCredentialsService>>;
  let rpc: RpcClient;
  let wireTap: Array<{ unsubscribe(): void }>;
  const apiKeysUsed: string[] = [];
  const wireMessages: string[] = [];
  const logLines: string[] = [];

  const start = (encryptionKeys: string) => {
    // Reached through a relay the outage test can cut.
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    return startCredentialsService(
      loadConfig(credentialsConfigSchema, {
        DATABASE_URL: url.toString(),
        NATS_URL: nats.url,
        LAP_PREFIX: nats.prefix,
        CREDENTIALS_PORT: '0',
        CREDENTIALS_ENCRYPTION_KEYS: encryptionKeys,
        // Everything the service would ever log, so the "never logged" check has something to read.
        LOG_LEVEL: 'verbose',
        LOG_FORMAT: 'json',
        NODE_ENV: 'test',
      }),
    );
  };
  const subjects = () => nats.names.rpc.credentials;
  const publicKey = async () =>
    (await rpc.call(subjects().publicKey, {}, credentialsRpc.publicKey.reply)).publicKey;
  const put = async (apiKey: string, apiBase = CURSOR_API_BASE): Promise<CredentialView> => {
    apiKeysUsed.push(apiKey);
    const sealedApiKey = sealSecret(apiKey, await publicKey());
    return rpc.call(
      subjects().put,
      { ownerId: OWNER, runtime: 'cursor', apiBase, sealedApiKey },
      credentialsRpc.put.reply,
    );
  };
  const resolve = async (runner = newSealingKeyPair()) => {
    const reply = await rpc.call(
      subjects().resolve,
      { ownerId: OWNER, runtime: 'cursor', replyPublicKey: runner.publicKey },
      credentialsRpc.resolve.reply,
    );
    return { ...reply, apiKey: openSealedSecret(reply.sealedApiKey, runner) };
  };
  const callError = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(RpcCallError);
        return error as RpcCallError;
      },
    );
  const storedRows = async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ key_id: string; as_text: string }>(
        'SELECT key_id, t::text AS as_text FROM runtime_credentials t WHERE owner_id = $1',
        [OWNER],
      );
      return rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logLines.push(chunk.toString());
        return true;
      });
    }
    [database, nats] = await Promise.all([createTestDatabase('credentials'), createTestNats('cred')]);
    const postgres = new URL(database.url);
    proxy = new DatabaseRelay({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    await proxy.restore();
    // Every message on this test's subjects and on reply inboxes, to prove no key crosses NATS in the clear.
    wireTap = [`${nats.prefix}.>`, '_INBOX.>'].map((subject) =>
      nats.client.connection.subscribe(subject, {
        callback: (_, message) => {
          wireMessages.push(`${message.subject} ${message.string()}`);
        },
      }),
    );
    service = await start(OLD_KEY);
    rpc = new RpcClient(nats.client.connection);
  });

  afterAll(async () => {
    await service?.close();
    for (const subscription of wireTap ?? []) subscription.unsubscribe();
    await proxy?.cut();
    await Promise.all([nats?.cleanup(), database?.drop()]);
    jest.restoreAllMocks();
  });

  it('stores a sealed key encrypted: the row holds neither the key nor its base64 or hex', async () => {
    const apiKey = newApiKey();
    const view = await put(apiKey);
    expect(view).toEqual({
      runtime: 'cursor',
      apiBase: CURSOR_API_BASE,
      maskedApiKey: `…${apiKey.slice(-4)}`,
      keyId: 'old',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const rows = await storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].key_id).toBe('old');
    expect(rows[0].as_text).toContain(view.maskedApiKey);
    for (const encoding of ['utf8', 'base64', 'hex'] as const) {
      expect(rows[0].as_text).not.toContain(Buffer.from(apiKey).toString(encoding));
    }
  });

  it('lists masked views for the owner only', async () => {
    const { credentials } = await rpc.call(subjects().list, { ownerId: OWNER }, credentialsRpc.list.reply);
    expect(credentials).toEqual([expect.objectContaining({ runtime: 'cursor', keyId: 'old' })]);
    const other = await rpc.call(subjects().list, { ownerId: 'owner-2' }, credentialsRpc.list.reply);
    expect(other.credentials).toEqual([]);
  });

  it("resolves the key sealed so that only the runner's one-time key pair opens it", async () => {
    const runner = newSealingKeyPair();
    const resolved = await resolve(runner);
    expect(resolved.apiKey).toBe(apiKeysUsed[0]);
    expect(resolved.apiBase).toBe(CURSOR_API_BASE);
    expect(() => openSealedSecret(resolved.sealedApiKey, newSealingKeyPair())).toThrow();
  });

  it('replaces the key on a second put, keeping one row', async () => {
    const replacement = newApiKey();
    const view = await put(`  ${replacement}\n`, 'http://127.0.0.1:4010');
    expect(view.maskedApiKey).toBe(`…${replacement.slice(-4)}`);
    expect(await storedRows()).toHaveLength(1);
    const resolved = await resolve();
    expect(resolved.apiKey).toBe(replacement);
    expect(resolved.apiBase).toBe('http://127.0.0.1:4010');
  });

  it('rejects invalid requests as invalid_request naming the field', async () => {
    const sealedApiKey = sealSecret(newApiKey(), await publicKey());
    const missingOwner = await callError(
      rpc.call(
        subjects().put,
        { runtime: 'cursor', apiBase: CURSOR_API_BASE, sealedApiKey },
        credentialsRpc.put.reply,
      ),
    );
    expect(missingOwner.type).toBe('invalid_request');
    expect(missingOwner.message).toContain('ownerId');

    const blank = await callError(put('   \t '));
    expect(blank).toMatchObject({ type: 'invalid_request', message: 'sealedApiKey: the API key is empty' });

    const sealedForStranger = sealSecret(newApiKey(), newSealingKeyPair().publicKey);
    const unopenable = await callError(
      rpc.call(
        subjects().put,
        { ownerId: OWNER, runtime: 'cursor', apiBase: CURSOR_API_BASE, sealedApiKey: sealedForStranger },
        credentialsRpc.put.reply,
      ),
    );
    expect(unopenable).toMatchObject({
      type: 'invalid_request',
      message: expect.stringMatching(/^sealedApiKey: /),
    });

    const badBase = await callError(put(newApiKey(), 'ftp://example.com'));
    expect(badBase).toMatchObject({ type: 'invalid_request', message: expect.stringMatching(/^apiBase: /) });

    const badReplyKey = await callError(
      rpc.call(
        subjects().resolve,
        { ownerId: OWNER, runtime: 'cursor', replyPublicKey: 'bm90IGEga2V5' },
        credentialsRpc.resolve.reply,
      ),
    );
    expect(badReplyKey).toMatchObject({
      type: 'invalid_request',
      message: expect.stringMatching(/^replyPublicKey: /),
    });

    const unknownRuntime = await callError(
      rpc.call(subjects().delete, { ownerId: OWNER, runtime: 'claude' }, credentialsRpc.delete.reply),
    );
    expect(unknownRuntime).toMatchObject({
      type: 'invalid_request',
      message: expect.stringMatching(/^runtime: /),
    });
  });

  it('answers /health and /readyz with both dependencies ok', async () => {
    expect((await fetch(`${service.httpUrl}/health`)).status).toBe(200);
    const ready = await fetch(`${service.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', nats: 'ok' } });
  });

  it('answers unavailable while the database is gone, and recovers by itself when it returns', async () => {
    await proxy.cut();
    const outage = await callError(rpc.call(subjects().list, { ownerId: OWNER }, credentialsRpc.list.reply));
    expect(outage).toMatchObject({ type: 'unavailable', message: 'credentials database unavailable' });
    const notReady = await fetch(`${service.httpUrl}/readyz`);
    expect(notReady.status).toBe(503);
    const readiness = (await notReady.json()) as { checks: Record<string, string> };
    expect(readiness.checks).toMatchObject({
      database: expect.stringMatching(/^unavailable/),
      nats: 'ok',
    });

    await proxy.restore();
    const { credentials } = await waitFor(
      () => rpc.call(subjects().list, { ownerId: OWNER }, credentialsRpc.list.reply).catch(() => undefined),
      { what: 'the credentials service to reach the database again' },
    );
    expect(credentials).toHaveLength(1);
    expect((await fetch(`${service.httpUrl}/readyz`)).status).toBe(200);
  });

  it('keeps reading rows of a rotated-out key, and re-encrypts with the new key on the next put', async () => {
    const stored = apiKeysUsed[1].trim();
    const oldPublicKey = await publicKey();
    await service.close();
    service = await start(`${NEW_KEY},${OLD_KEY}`);

    expect((await resolve()).apiKey).toBe(stored);
    expect((await storedRows())[0].key_id).toBe('old');
    expect(await publicKey()).not.toBe(oldPublicKey);

    // A gateway that fetched the public key before the rotation still gets its put through.
    const sealedBeforeRotation = sealSecret(stored, oldPublicKey);
    const view = await rpc.call(
      subjects().put,
      { ownerId: OWNER, runtime: 'cursor', apiBase: CURSOR_API_BASE, sealedApiKey: sealedBeforeRotation },
      credentialsRpc.put.reply,
    );
    expect(view.keyId).toBe('new');
    expect((await storedRows()).map((row) => row.key_id)).toEqual(['new']);
    expect((await resolve()).apiKey).toBe(stored);
  });

  it('deletes, and resolving afterwards is not_found with an actionable message', async () => {
    expect(
      await rpc.call(subjects().delete, { ownerId: OWNER, runtime: 'cursor' }, credentialsRpc.delete.reply),
    ).toEqual({
      deleted: true,
    });
    expect(
      await rpc.call(subjects().delete, { ownerId: OWNER, runtime: 'cursor' }, credentialsRpc.delete.reply),
    ).toEqual({
      deleted: false,
    });
    expect(await storedRows()).toHaveLength(0);
    const missing = await callError(resolve());
    expect(missing).toMatchObject({ type: 'not_found', message: NOT_FOUND_MESSAGE });
  });

  it('never put a key in the clear on NATS or in a log line', async () => {
    await nats.client.connection.flush();
    expect(wireMessages.length).toBeGreaterThan(20);
    expect(logLines.some((line) => line.includes('"level":"warn"'))).toBe(true);
    for (const apiKey of apiKeysUsed.map((key) => key.trim()).filter(Boolean)) {
      for (const encoding of ['utf8', 'base64', 'hex'] as const) {
        const shown = Buffer.from(apiKey).toString(encoding);
        expect(wireMessages.filter((message) => message.includes(shown))).toEqual([]);
        expect(logLines.filter((line) => line.includes(shown))).toEqual([]);
      }
    }
  });
});

describe('credentials start-up', () => {
  it('fails with a message naming the unreachable database, password hidden', async () => {
    const logger = new ConsoleLogger('test', { logLevels: [] });
    const attempt = openDatabase('postgres://lap:hunter2@127.0.0.1:1/lap', logger, {
      attempts: 2,
      delayMs: 10,
    });
    await expect(attempt).rejects.toThrow(
      /^credentials database postgres:\/\/lap:\*\*\*@127\.0\.0\.1:1\/lap is unreachable after 2 attempts/,
    );
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});
