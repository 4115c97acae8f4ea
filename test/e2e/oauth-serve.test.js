// Users' own OAuth tokens behind `atp serve`: a real authorization server and API on 127.0.0.1 (code flow with
// PKCE, refresh, revocation), two people signing in from two sessions, and no token anywhere it must not be.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_ID, CLIENT_SECRET, consent, startProvider } from '../fixtures/oauth/provider.js';
import { call, failingAtp, openSession, startAtp, startRedis } from './serve-harness.js';

const ENCRYPTION_KEY = 'an-encryption-key-of-at-least-32-characters';

let provider;
let atp;

const crm = (auth = {}) => ({
  name: 'crm',
  type: 'openapi',
  spec: provider.spec,
  auth: { type: 'oauth2', flow: 'authorizationCode', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, revocationUrl: `${provider.origin}/revoke`, ...auth },
});

before(async () => {
  provider = await startProvider();
  atp = await startAtp({ apis: [crm()], audit: { sinks: [{ type: 'file', path: './audit.jsonl' }] }, logging: { level: 'debug' } }, { timeoutMs: 60_000 });
});
after(async () => {
  await atp?.stop();
  await provider?.close();
});

/** The file's text once it matches (the audit sink writes in the background), failing after a deadline. */
async function untilWritten(file, pattern, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {}
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) assert.fail(`${file} did not come to hold ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a poll interval, not a wait for the write
  }
}

async function run(session, code, url = atp.url) {
  const { status, body } = await call(`${url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

/** A session whose person has signed in: the link from a failed call, followed as `person`. */
async function signedIn(person, url = atp.url, headers = {}) {
  const session = await openSession(url, {}, headers);
  const failed = await run(session, 'return await api.crm.me({})', url);
  assert.equal(failed.error?.code, 'AUTHORIZATION_REQUIRED', JSON.stringify(failed));
  const done = await consent(failed.error.authorizationUrl, person);
  assert.equal(done.status, 200, done.text);
  return session;
}

test('a call without a token fails with AUTHORIZATION_REQUIRED and a sign-in link built from the document', async () => {
  const session = await openSession(atp.url);
  const uncaught = await run(session, 'return await api.crm.me({})');
  assert.equal(uncaught.status, 'failed');
  assert.equal(uncaught.error.code, 'AUTHORIZATION_REQUIRED');
  const link = new URL(uncaught.error.authorizationUrl);
  assert.equal(`${link.origin}${link.pathname}`, `${provider.origin}/authorize`, 'authorizationUrl from the securityScheme');
  assert.equal(link.searchParams.get('client_id'), CLIENT_ID);
  assert.equal(link.searchParams.get('redirect_uri'), `${atp.url}/oauth/callback`);
  assert.equal(link.searchParams.get('scope'), 'read write', 'every scope the securityScheme lists');
  assert.equal(link.searchParams.get('code_challenge_method'), 'S256');
  assert.match(link.searchParams.get('state'), /^[\w-]{40,}$/);
  assert.match(uncaught.error.message, /sign-in address in this error's authorizationUrl \(http:\/\/127\.0\.0\.1:\d+\/authorize\?…\)/);
  assert.ok(!uncaught.error.message.includes(link.searchParams.get('state')), 'the message (logged, audited) holds no state');

  const caught = await run(session, `
    try { await api.crm.me({}); return 'no error'; }
    catch (error) { return { code: error.code, url: error.authorizationUrl }; }`);
  assert.equal(caught.status, 'completed');
  assert.equal(caught.result.code, 'AUTHORIZATION_REQUIRED');
  assert.match(caught.result.url, new RegExp(`^${provider.origin}/authorize\\?`));
  assert.notEqual(caught.result.url, uncaught.error.authorizationUrl, 'each link has its own state');

  const status = await call(`${atp.url}/api/oauth/crm`, { headers: session.headers });
  assert.equal(status.status, 200);
  assert.equal(status.body.signedIn, false);
  assert.match(status.body.authorizationUrl, /\/authorize\?/);
});

test('two people sign in from two sessions; each call carries its own person\'s token, never the other\'s', async () => {
  const alice = await signedIn('alice');
  const bob = await signedIn('bob');
  const stranger = await openSession(atp.url);
  for (let round = 0; round < 2; round++) {
    const [a, b, c] = await Promise.all([
      run(alice, 'return await api.crm.me({})'),
      run(bob, 'return await api.crm.me({})'),
      run(stranger, 'return await api.crm.me({})'),
    ]);
    assert.deepEqual(a.result, { person: 'alice' }, JSON.stringify(a));
    assert.deepEqual(b.result, { person: 'bob' }, JSON.stringify(b));
    assert.equal(c.error?.code, 'AUTHORIZATION_REQUIRED', 'a session that did not sign in gets no one\'s token');
  }
  assert.deepEqual((await call(`${atp.url}/api/oauth/crm`, { headers: alice.headers })).body, { group: 'crm', signedIn: true });
  const exchanges = provider.log.grants.filter((grant) => grant.type === 'authorization_code' && !grant.refused);
  assert.ok(exchanges.some((grant) => grant.person === 'alice') && exchanges.some((grant) => grant.person === 'bob'));
});

test('no token reaches the sandbox, a response, the log or the audit trail', async () => {
  const carol = await signedIn('carol');
  const echoed = await run(carol, `
    const echo = await api.crm.echo({});
    atp.log.info('echoed', echo);
    return echo;`);
  assert.equal(echoed.status, 'completed', JSON.stringify(echoed));
  assert.equal(echoed.result.person, 'carol');
  assert.equal(echoed.result.authorization, 'Bearer [redacted]', 'the upstream echoed the token: masked before the sandbox');
  const used = provider.log.calls.filter((entry) => entry.person === 'carol').map((entry) => entry.token);
  assert.ok(used.length > 0);
  // every token the provider ever issued, to anyone
  const tokens = provider.log.issued;
  const audit = await untilWritten(path.join(atp.dir, 'audit.jsonl'), /"function":"crm\.echo"/);
  for (const [where, text] of [['response', JSON.stringify(echoed)], ['log', atp.stderr()], ['audit', audit]]) {
    for (const token of tokens) assert.ok(!text.includes(token), `a token is in the ${where}`);
  }
});

test('state is single use and bound: a replayed, forged, refused or swapped callback stores nothing', async () => {
  const session = await openSession(atp.url);
  const first = await run(session, 'return await api.crm.me({})');
  const done = await consent(first.error.authorizationUrl, 'dave');
  assert.equal(done.status, 200);
  assert.match(done.text, /Signed in to crm/);
  assert.equal(done.headers.get('cache-control'), 'no-store');
  assert.equal(done.headers.get('referrer-policy'), 'no-referrer');

  const replayed = await fetch(done.callback);
  assert.equal(replayed.status, 400);
  assert.match(await replayed.text(), /already used/);

  const forged = await fetch(`${atp.url}/oauth/callback?code=code-123&state=${'A'.repeat(43)}`);
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /unknown or has expired/);
  const missing = await fetch(`${atp.url}/oauth/callback?code=code-123`);
  assert.equal(missing.status, 400);

  // the person refuses consent
  const erin = await openSession(atp.url);
  const refusedLink = (await run(erin, 'return await api.crm.me({})')).error.authorizationUrl;
  const refused = await consent(refusedLink, 'erin', { deny: true });
  assert.equal(refused.status, 400);
  assert.match(refused.text, /access_denied/);

  // an attacker's own code put into erin's callback: erin's PKCE verifier does not match its challenge
  const attacker = await openSession(atp.url);
  const attackerLink = new URL((await run(attacker, 'return await api.crm.me({})')).error.authorizationUrl);
  attackerLink.searchParams.set('as', 'mallory');
  const attackerCode = new URL((await fetch(attackerLink, { redirect: 'manual' })).headers.get('location')).searchParams.get('code');
  const erinState = new URL((await run(erin, 'return await api.crm.me({})')).error.authorizationUrl).searchParams.get('state');
  const swapped = await fetch(`${atp.url}/oauth/callback?code=${attackerCode}&state=${erinState}`);
  assert.equal(swapped.status, 400);
  assert.match(await swapped.text(), /PKCE verification failed/);
  assert.equal((await run(erin, 'return await api.crm.me({})')).error?.code, 'AUTHORIZATION_REQUIRED', 'erin is not signed in as mallory');
  assert.equal((await run(session, 'return await api.crm.me({})')).result?.person, 'dave');
});

test('an execution that asks for it pauses for the sign-in, as an approval, and the call runs once answered', async () => {
  const session = await openSession(atp.url, { services: { hasApproval: true } });
  const code = 'const me = await api.crm.me({}); return { me, later: await api.crm.me({}) };';
  const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code, config: { authorization: 'pause' } } });
  assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
  const { type, operation, payload } = paused.body.needsCallback;
  assert.deepEqual([type, operation], ['approval', 'request']);
  assert.equal(payload.context.function, 'api.crm.me');
  assert.equal(payload.context.reason, 'AUTHORIZATION_REQUIRED');
  assert.match(payload.message, /Sign in to crm/);
  assert.equal((await consent(payload.context.authorizationUrl, 'olga')).status, 200);
  const resumed = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: session.headers, body: { result: { approved: true, timestamp: Date.now() } } });
  assert.equal(resumed.body.status, 'completed', JSON.stringify(resumed.body));
  assert.deepEqual(resumed.body.result, { me: { person: 'olga' }, later: { person: 'olga' } });

  // declined: the call fails as it would have without the pause
  const other = await openSession(atp.url, { services: { hasApproval: true } });
  const again = await call(`${atp.url}/api/execute`, { method: 'POST', headers: other.headers, body: { code: 'return await api.crm.me({})', config: { authorization: 'pause' } } });
  assert.equal(again.body.status, 'paused');
  const declined = await call(`${atp.url}/api/resume/${again.body.executionId}`, { method: 'POST', headers: other.headers, body: { result: { approved: false } } });
  assert.equal(declined.body.status, 'failed');
  assert.equal(declined.body.error.code, 'AUTHORIZATION_REQUIRED');
  assert.match(declined.body.error.authorizationUrl, /\/authorize\?/);

  // without an approval service the client cannot be asked: the call fails at once
  const plain = await openSession(atp.url);
  const failed = await call(`${atp.url}/api/execute`, { method: 'POST', headers: plain.headers, body: { code: 'return await api.crm.me({})', config: { authorization: 'pause' } } });
  assert.equal(failed.body.error?.code, 'AUTHORIZATION_REQUIRED');
  assert.equal((await call(`${atp.url}/api/execute`, { method: 'POST', headers: plain.headers, body: { code: '1', config: { authorization: 'wait' } } })).status, 400);
});

test('a token about to expire is refreshed with the refresh token before the call', async () => {
  provider.settings.reportedLifetime = 30; // less than the minute of margin: due for refresh at its first use
  try {
    const frank = await signedIn('frank');
    const before = provider.log.grants.filter((grant) => grant.type === 'refresh_token' && grant.person === 'frank').length;
    const result = await run(frank, 'return await api.crm.me({})');
    assert.deepEqual(result.result, { person: 'frank' });
    const refreshed = provider.log.grants.filter((grant) => grant.type === 'refresh_token' && grant.person === 'frank').length;
    assert.equal(refreshed, before + 1, 'one refresh per call that found the token due');
    const [exchange] = provider.log.issued.filter((token) => token.startsWith('at-frank-'));
    assert.notEqual(provider.log.calls.at(-1).token, exchange, 'the call carried the refreshed token');
  } finally {
    provider.settings.reportedLifetime = 3600;
  }
});

test('signing out revokes the token at the provider; a token the provider revoked asks for sign-in again', async () => {
  const grace = await signedIn('grace');
  const henry = await signedIn('henry');
  const out = await call(`${atp.url}/api/oauth/crm`, { method: 'DELETE', headers: grace.headers });
  assert.equal(out.status, 200);
  assert.deepEqual(out.body, { group: 'crm', signedOut: true, revoked: true });
  assert.ok(provider.log.revoked.some((token) => token.startsWith('rt-grace-')), 'the refresh token was revoked at the provider');
  assert.equal((await run(grace, 'return await api.crm.me({})')).error?.code, 'AUTHORIZATION_REQUIRED');
  assert.deepEqual((await call(`${atp.url}/api/oauth/crm`, { method: 'DELETE', headers: grace.headers })).body, { group: 'crm', signedOut: false, revoked: false });
  assert.deepEqual((await run(henry, 'return await api.crm.me({})')).result, { person: 'henry' }, 'another person\'s sign-out leaves henry signed in');

  provider.revokePerson('henry'); // the upstream now refuses henry's token, and the refresh token with it
  const after = await run(henry, 'return await api.crm.me({})');
  assert.equal(after.error?.code, 'AUTHORIZATION_REQUIRED', JSON.stringify(after));
  assert.ok(provider.log.grants.some((grant) => grant.type === 'refresh_token' && grant.refused), 'a refresh was tried first');

  assert.equal((await call(`${atp.url}/api/oauth/nope`, { method: 'DELETE', headers: henry.headers })).status, 404);
  assert.equal((await call(`${atp.url}/api/oauth/crm`, { method: 'DELETE' })).status, 401, 'signing out needs the session');
});

test('oauth.user apiKey: every session opened with one key is one person; another key is another', async () => {
  const keys = ['first-api-key-0123456789', 'second-api-key-0123456789'];
  const keyed = await startAtp({ auth: { apiKeys: keys }, oauth: { user: 'apiKey' }, apis: [crm()] }, { timeoutMs: 60_000 });
  try {
    const withKey = (key) => ({ 'X-API-Key': key });
    await signedIn('ivy', keyed.url, withKey(keys[0]));
    const again = await openSession(keyed.url, {}, withKey(keys[0]));
    assert.deepEqual((await run(again, 'return await api.crm.me({})', keyed.url)).result, { person: 'ivy' });
    const other = await openSession(keyed.url, {}, withKey(keys[1]));
    assert.equal((await run(other, 'return await api.crm.me({})', keyed.url)).error?.code, 'AUTHORIZATION_REQUIRED');
  } finally {
    await keyed.stop();
  }
});

test('in a shared Redis state store tokens are sealed with oauth.encryptionKey, which it requires', async () => {
  const redis = await startRedis();
  assert.ok(redis, 'redis-server is needed for this test');
  try {
    const refused = await failingAtp({ state: { store: redis.url }, apis: [crm()] });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /oauth\.encryptionKey is not set, and users' tokens would be kept in the shared state store/);

    const shared = await startAtp({ state: { store: redis.url }, oauth: { encryptionKey: ENCRYPTION_KEY }, apis: [crm()] }, { timeoutMs: 60_000 });
    try {
      const jack = await signedIn('jack', shared.url);
      assert.deepEqual((await run(jack, 'return await api.crm.me({})', shared.url)).result, { person: 'jack' });
      const keys = spawnSync('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', '*oauth:token:*'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
      assert.equal(keys.length, 1, 'one token entry');
      assert.ok(!keys[0].includes(jack.clientId), 'the key names the user by a hash');
      const stored = spawnSync('redis-cli', ['-p', String(redis.port), 'GET', keys[0]], { encoding: 'utf8' }).stdout;
      assert.match(stored, /v1\.[\w-]+\.[\w-]+\.[\w-]+/, 'sealed');
      for (const token of provider.log.issued.filter((token) => token.includes('-jack-'))) assert.ok(!stored.includes(token), 'no token in the clear');
    } finally {
      await shared.stop();
    }
  } finally {
    await redis.stop();
  }
});

/** The first sign-in state in the text (a link's query), with what surrounds it; null when there is none. */
function stateIn(text) {
  const found = /[?&]state=[\w-]{20,}/.exec(text);
  return found && `…${text.slice(Math.max(0, found.index - 300), found.index + 60)}…`;
}

test('after every sign-in above, no sign-in state is in the log or in the audit trail\'s calls', async () => {
  const audit = await untilWritten(path.join(atp.dir, 'audit.jsonl'), /AUTHORIZATION_REQUIRED/);
  assert.equal(stateIn(atp.stderr()), null, 'a sign-in state in the log');
  const calls = audit.split('\n').filter((line) => line.includes('"event":"tool.call"'));
  assert.ok(calls.some((line) => line.includes('"code":"AUTHORIZATION_REQUIRED"')), 'the audit trail records the calls that asked for a sign-in');
  assert.equal(stateIn(calls.join('\n')), null, 'a sign-in state in the audit trail');
});

test('a pause for a sign-in keeps its state out of the audit trail (the link is quoted with its state redacted)', async () => {
  const audit = await untilWritten(path.join(atp.dir, 'audit.jsonl'), /"event":"execution\.pause"/);
  assert.match(audit, /"event":"execution\.pause".*authorize\?[^"]*state=\[redacted\]/, 'the pause names the link, its state cut out');
  assert.equal(stateIn(audit), null);
});
