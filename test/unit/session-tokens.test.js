// Sessions: HS256 tokens, API keys, and authentication of later requests, on a real memory store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sessions, AuthError, signToken, verifyToken, TokenError, apiKeyChecker } from '../../dist/session/index.js';
import { openStore } from '../../dist/store/index.js';
import { createLogger } from '../../dist/logging/index.js';

const logger = createLogger({ level: 'silent', format: 'text' });
const SECRET = 'a-shared-secret-of-at-least-32-characters';
const services = { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: true };
const tools = [{ name: 'localTime', description: 'time', inputSchema: { type: 'object' } }];

function auth(overrides = {}) {
  return { tokenTTL: 3_600_000, tokenRotation: 1_800_000, jwtSecret: SECRET, ...overrides };
}

async function sessions(overrides = {}, ttl = 3_600_000, store) {
  store ??= await openStore('memory://', { namespace: `s${Math.random()}` });
  return { sessions: new Sessions({ store, auth: auth(overrides), ttl, logger }), store };
}

test('a token verifies with its secret and carries the client id; tampering is refused', () => {
  const secret = Buffer.from(SECRET);
  const now = Math.floor(Date.now() / 1000);
  const token = signToken({ sub: 'cli_1', iat: now, exp: now + 60, jti: 'j' }, secret);
  assert.equal(verifyToken(token, secret).sub, 'cli_1');
  const [h, p, s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ sub: 'cli_2', iat: now, exp: now + 60, jti: 'j' })).toString('base64url');
  assert.throws(() => verifyToken(`${h}.${forged}.${s}`, secret), (e) => e instanceof TokenError && e.problem === 'signature');
  assert.throws(() => verifyToken(token, Buffer.from('another-secret-of-at-least-32-characters')), (e) => e.problem === 'signature');
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  assert.throws(() => verifyToken(`${none}.${p}.`, secret), (e) => e.problem === 'malformed');
  assert.throws(() => verifyToken('not-a-token', secret), (e) => e.problem === 'malformed');
  const old = signToken({ sub: 'cli_1', iat: now - 120, exp: now - 60, jti: 'j' }, secret);
  assert.throws(() => verifyToken(old, secret), (e) => e.problem === 'expired');
});

test('API keys match exactly, whatever their length', () => {
  const check = apiKeyChecker(['first-key-0123456789', 'second-key-0123456789']);
  assert.equal(check('second-key-0123456789'), true);
  assert.equal(check('first-key-0123456789'), true);
  assert.equal(check('first-key-012345678'), false);
  assert.equal(check(''), false);
  assert.equal(check(undefined), false);
  assert.equal(apiKeyChecker([])('anything'), false);
});

test('init creates a session whose token authenticates later requests, with expiresAt and tokenRotateAt', async () => {
  const { sessions: s } = await sessions();
  const before = Date.now();
  const { session, token } = await s.create({ tools, services, clientInfo: { name: 'test' } });
  assert.match(session.clientId, /^cli_[0-9a-f]{32}$/);
  assert.ok(token.expiresAt >= before + 3_600_000 - 1000 && token.expiresAt <= Date.now() + 3_600_000);
  assert.ok(token.tokenRotateAt >= before + 1_800_000 && token.tokenRotateAt <= Date.now() + 1_800_000);
  const { session: found, refreshed } = await s.authenticate(session.clientId, `Bearer ${token.token}`);
  assert.deepEqual(found.tools, tools);
  assert.deepEqual(found.services, services);
  assert.deepEqual(found.clientInfo, { name: 'test' });
  assert.equal(refreshed, undefined);
});

test('missing, malformed, foreign and expired credentials are refused with what to do', async () => {
  const { sessions: s } = await sessions();
  const a = await s.create({ tools: [], services });
  const b = await s.create({ tools: [], services });
  const refuse = (id, header, pattern) => assert.rejects(s.authenticate(id, header), (e) => e instanceof AuthError && pattern.test(e.message));
  await refuse(undefined, `Bearer ${a.token.token}`, /missing X-Client-ID/);
  await refuse(a.session.clientId, undefined, /missing bearer token/);
  await refuse(a.session.clientId, `Basic ${a.token.token}`, /missing bearer token/);
  await refuse(a.session.clientId, 'Bearer nope', /invalid token/);
  await refuse(a.session.clientId, `Bearer ${b.token.token}`, /issued to another client id/);
  const { sessions: other } = await sessions({ jwtSecret: 'a-different-secret-of-32-characters!!' });
  await assert.rejects(other.authenticate(a.session.clientId, `Bearer ${a.token.token}`), /invalid token: .*not issued by this server/);
  const { sessions: short } = await sessions({ tokenTTL: 1 });
  const c = await short.create({ tools: [], services });
  // exp has one-second resolution: wait (with a deadline) until the token is refused
  let refusal;
  for (const deadline = Date.now() + 5000; !refusal && Date.now() < deadline;) {
    refusal = await short.authenticate(c.session.clientId, `Bearer ${c.token.token}`).then(() => undefined, (e) => e);
    if (!refusal) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.match(refusal?.message ?? 'still accepted', /token expired: call POST \/api\/init/);
});

test('a token past tokenRotation is answered with a fresh one, and both keep working', async () => {
  const { sessions: s } = await sessions({ tokenRotation: 0 });
  const { session, token } = await s.create({ tools: [], services });
  const { refreshed } = await s.authenticate(session.clientId, `Bearer ${token.token}`);
  assert.ok(refreshed);
  assert.notEqual(refreshed.token, token.token);
  assert.ok((await s.authenticate(session.clientId, `Bearer ${refreshed.token}`)).session);
  assert.ok((await s.authenticate(session.clientId, `Bearer ${token.token}`)).session);
});

test('instances sharing a store and secret accept each other\'s sessions; a forgotten session is refused', async () => {
  const store = await openStore('memory://', { namespace: `shared${Math.random()}` });
  const { sessions: a } = await sessions({}, 3_600_000, store);
  const { sessions: b } = await sessions({}, 3_600_000, store);
  const { session, token } = await a.create({ tools, services });
  assert.deepEqual((await b.authenticate(session.clientId, `Bearer ${token.token}`)).session.tools, tools);
  await store.delete(`session:${session.clientId}`);
  const { sessions: c } = await sessions({}, 3_600_000, store);
  await assert.rejects(c.authenticate(session.clientId, `Bearer ${token.token}`), /unknown or expired session/);
});

test('without auth.jwtSecret each process signs with its own random secret', async () => {
  const { sessions: a } = await sessions({ jwtSecret: undefined });
  const { sessions: b } = await sessions({ jwtSecret: undefined });
  assert.equal(a.secretSource, 'random');
  const { session, token } = await a.create({ tools: [], services });
  assert.ok((await a.authenticate(session.clientId, `Bearer ${token.token}`)).session);
  await assert.rejects(b.authenticate(session.clientId, `Bearer ${token.token}`), /invalid token/);
});

test('API keys are required at init only when configured', async () => {
  const { sessions: open } = await sessions();
  assert.equal(open.requiresApiKey, false);
  assert.equal(open.apiKeyAccepted(undefined), true);
  const { sessions: locked } = await sessions({ apiKeys: ['key-aaaaaaaaaaaaaaaa'] });
  assert.equal(locked.apiKeyAccepted(undefined), false);
  assert.equal(locked.apiKeyAccepted('key-aaaaaaaaaaaaaaab'), false);
  assert.equal(locked.apiKeyAccepted('key-aaaaaaaaaaaaaaaa'), true);
});
