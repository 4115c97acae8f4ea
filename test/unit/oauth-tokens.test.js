// Users' OAuth tokens at rest and the pieces around them, in process: the cipher, the vault, sign-in states,
// the flow an oauth2 auth defaults to, the provider taken from a document, and the config's shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenCipher, TokenVault, FileStore } from '../../dist/oauth/index.js';
import { SignIns } from '../../dist/oauth/sign-ins.js';
import { digest } from '../../dist/oauth/vault.js';
import { oauthFlow, oauthProvider } from '../../dist/catalog/loaders/openapi/auth.js';
import { buildApiModel } from '../../dist/catalog/loaders/openapi/operations.js';
import { swaggerToOpenApi } from '../../dist/catalog/loaders/openapi/swagger.js';
import { configFromText, ConfigError } from '../../dist/config/index.js';
import { openStore } from '../../dist/store/index.js';
import { Secrets } from '../../dist/secrets/index.js';

const KEY = 'a-test-encryption-key-that-is-long-enough';

test('the cipher opens only what it sealed, for the same context, under the same key', () => {
  const cipher = new TokenCipher(KEY);
  const sealed = cipher.seal({ accessToken: 'at-secret-value' }, 'token\ncrm\nalice');
  assert.ok(!sealed.includes('at-secret-value'));
  assert.deepEqual(cipher.open(sealed, 'token\ncrm\nalice'), { accessToken: 'at-secret-value' });
  assert.equal(cipher.open(sealed, 'token\ncrm\nbob'), undefined, 'another user\'s context');
  assert.equal(new TokenCipher(`${KEY}-other`).open(sealed, 'token\ncrm\nalice'), undefined, 'another key');
  const [version, iv, data, tag] = sealed.split('.');
  const flipped = `${data[0] === 'A' ? 'B' : 'A'}${data.slice(1)}`;
  assert.equal(cipher.open([version, iv, flipped, tag].join('.'), 'token\ncrm\nalice'), undefined, 'altered');
  assert.notEqual(cipher.seal('x', 'c'), cipher.seal('x', 'c'), 'a fresh IV each time');
});

test('the vault keeps each user\'s tokens apart, sealed, and adds them to the secrets', async () => {
  const store = await openStore('memory://', { namespace: 'test' });
  try {
    const secrets = new Secrets();
    const vault = new TokenVault(store, new TokenCipher(KEY), secrets);
    await vault.set('crm', 'session:cli_a', { accessToken: 'at-alice-123456', refreshToken: 'rt-alice-123456', obtainedAt: 1 });
    assert.equal(await vault.get('crm', 'session:cli_b'), undefined);
    assert.equal(await vault.get('other', 'session:cli_a'), undefined);
    assert.equal((await vault.get('crm', 'session:cli_a')).accessToken, 'at-alice-123456');
    assert.equal(secrets.mask('Bearer at-alice-123456 / rt-alice-123456'), 'Bearer [redacted] / [redacted]');
    // an entry copied under another user's key does not open for them
    await store.set(`oauth:token:crm:${digest('session:cli_b')}`, await store.get(`oauth:token:crm:${digest('session:cli_a')}`));
    assert.equal(await vault.get('crm', 'session:cli_b'), undefined);
    assert.equal(await vault.delete('crm', 'session:cli_a'), true);
    assert.equal(await vault.get('crm', 'session:cli_a'), undefined);
  } finally {
    await store.close();
  }
});

test('a sign-in state is good once, for its user, and not after its time', async () => {
  const store = await openStore('memory://', { namespace: 'test' });
  try {
    const signIns = new SignIns(store, new TokenCipher(KEY), 60_000);
    const { state, challenge } = await signIns.begin({ group: 'crm', user: 'session:cli_a', redirectUri: 'http://127.0.0.1/cb' }, true);
    assert.match(challenge, /^[\w-]{43}$/);
    const taken = await signIns.take(state);
    assert.equal(taken.user, 'session:cli_a');
    assert.match(taken.verifier, /^[\w-]{43}$/);
    assert.equal(await signIns.take(state), 'used');
    assert.equal(await signIns.take('B'.repeat(43)), 'unknown');
    assert.equal(await signIns.take('not a state'), 'unknown');
    let now = 1_000_000;
    const clocked = new SignIns(store, new TokenCipher(KEY), 60_000, () => now);
    const late = await clocked.begin({ group: 'crm', user: 'u', redirectUri: 'http://127.0.0.1/cb' }, false);
    now += 60_001;
    assert.equal(await clocked.take(late.state), 'unknown', 'older than its lifetime, even if the store still holds it');
  } finally {
    await store.close();
  }
});

test('the terminal\'s file store writes its entries for its owner only, without tokens in the clear', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-oauth-'));
  try {
    const file = path.join(dir, 'nested', 'credentials.json');
    const vault = new TokenVault(new FileStore(file), new TokenCipher(KEY), new Secrets());
    await vault.set('crm', 'terminal:me', { accessToken: 'at-terminal-999', obtainedAt: 1 });
    assert.ok(!readFileSync(file, 'utf8').includes('at-terminal-999'));
    assert.equal((await new TokenVault(new FileStore(file), new TokenCipher(KEY), new Secrets()).get('crm', 'terminal:me')).accessToken, 'at-terminal-999', 'another process reads it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('oauth2 without flow: client credentials only with tokenUrl and clientSecret and no authorizationUrl', () => {
  assert.equal(oauthFlow({ type: 'oauth2', tokenUrl: 'https://a/t', clientId: 'c', clientSecret: 's' }), 'clientCredentials');
  assert.equal(oauthFlow({ type: 'oauth2', tokenUrl: 'https://a/t', clientId: 'c', clientSecret: 's', authorizationUrl: 'https://a/a' }), 'authorizationCode');
  assert.equal(oauthFlow({ type: 'oauth2', clientId: 'c', clientSecret: 's' }), 'authorizationCode');
  assert.equal(oauthFlow({ type: 'oauth2', tokenUrl: 'https://a/t', clientId: 'c' }), 'authorizationCode');
  assert.equal(oauthFlow({ type: 'oauth2', flow: 'clientCredentials', tokenUrl: 'https://a/t', clientId: 'c', clientSecret: 's', authorizationUrl: 'https://a/a' }), 'clientCredentials');
});

test('the provider comes from the document\'s securitySchemes (OpenAPI 3 and Swagger 2), the config winning', () => {
  const openapi = buildApiModel({
    openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {},
    components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'k' }, oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://x/cc', scopes: {} }, authorizationCode: { authorizationUrl: '/oauth/authorize', tokenUrl: 'https://id.example.com/token', scopes: { repo: 'r', user: 'u' } } } } } },
  }, '3.0');
  assert.deepEqual(openapi.oauth2, { authorizationUrl: '/oauth/authorize', tokenUrl: 'https://id.example.com/token', scopes: ['repo', 'user'] });
  const provider = oauthProvider({ type: 'oauth2', clientId: 'c' }, openapi.oauth2, 'https://api.example.com/v1/');
  assert.deepEqual(provider, { authorizationUrl: 'https://api.example.com/oauth/authorize', tokenUrl: 'https://id.example.com/token', clientId: 'c', scopes: ['repo', 'user'], pkce: true });
  const configured = oauthProvider({ type: 'oauth2', clientId: 'c', clientSecret: 's', scopes: ['user'], pkce: false, tokenUrl: 'https://mine/token' }, openapi.oauth2, undefined);
  assert.equal(configured.tokenUrl, 'https://mine/token');
  assert.deepEqual(configured.scopes, ['user']);
  assert.equal(configured.pkce, false);

  const swagger = buildApiModel(swaggerToOpenApi({
    swagger: '2.0', info: { title: 't', version: '1' }, host: 'api.example.com', paths: {},
    securityDefinitions: { petstore_auth: { type: 'oauth2', flow: 'accessCode', authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/token', scopes: { 'read:pets': 'read' } } },
  }), '2.0');
  assert.deepEqual(swagger.oauth2, { authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/token', scopes: ['read:pets'] });

  assert.throws(() => oauthProvider({ type: 'oauth2', clientId: 'c' }, undefined, undefined), /auth\.authorizationUrl is not set and the document declares no oauth2 securityScheme/);
});

test('the config: authorizationCode needs only a client id; clientCredentials named needs its token endpoint and secret', () => {
  const load = (auth, extra = '') => configFromText(`${extra}apis:\n  - name: crm\n    type: openapi\n    spec: https://crm.example.com/openapi.json\n    auth: ${JSON.stringify(auth)}\n`, { filepath: path.join(os.tmpdir(), 'atp.yaml'), env: {} });
  const config = load({ type: 'oauth2', flow: 'authorizationCode', clientId: 'c' }, 'oauth: { encryptionKey: "0123456789abcdef0123456789abcdef", credentialsFile: ./creds.json }\n');
  assert.deepEqual(config.apis[0].auth, { type: 'oauth2', flow: 'authorizationCode', clientId: 'c' });
  assert.deepEqual(config.oauth, { encryptionKey: '0123456789abcdef0123456789abcdef', credentialsFile: path.join(os.tmpdir(), 'creds.json'), user: 'session', stateTTL: 600_000 });
  assert.throws(() => load({ type: 'oauth2', flow: 'clientCredentials', clientId: 'c' }), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.message).sort(), ['missing required key "clientSecret"', 'missing required key "tokenUrl"']);
    return true;
  });
  assert.throws(() => load({ type: 'oauth2', flow: 'implicit', clientId: 'c' }), /"implicit" is not allowed: expected "clientCredentials" or "authorizationCode"/);
  assert.throws(() => load({ type: 'oauth2' }, 'oauth: { encryptionKey: short }\n'), (error) => {
    assert.deepEqual(error.problems.map((p) => p.path).sort(), ['apis[0].auth.clientId', 'oauth.encryptionKey']);
    return true;
  });
});
