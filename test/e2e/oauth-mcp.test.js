// A remote MCP server that implements MCP's authorization, behind `atp serve` with only `auth: { type: oauth2 }`:
// discovery from its 401 challenge, dynamic client registration, PKCE and the resource parameter, two people
// with a session each, refresh on expiry, revocation, no token or sign-in state where it must not be, and two
// instances sharing a real Redis refreshing one person's token at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { consent, startAuthorizedMcpServer } from '../fixtures/oauth/mcp-server.js';
import { call, openSession, startAtp, startRedis } from './serve-harness.js';

const ENCRYPTION_KEY = 'an-encryption-key-of-at-least-32-characters';

let mcp;
let atp;
/** Every sign-in link the tests were given: none of their states may be in a log or the audit trail. */
const links = [];

const notes = () => ({ name: 'notes', type: 'mcp', url: mcp.url, auth: { type: 'oauth2' } });

before(async () => {
  mcp = await startAuthorizedMcpServer();
  atp = await startAtp({ apis: [notes()], audit: { sinks: [{ type: 'file', path: './audit.jsonl' }] }, logging: { level: 'debug' } }, { timeoutMs: 60_000 });
});
after(async () => {
  await atp?.stop();
  await mcp?.close();
});

async function run(session, code, url = atp.url) {
  const { status, body } = await call(`${url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });
  assert.equal(status, 200, JSON.stringify(body));
  if (body.error?.authorizationUrl) links.push(body.error.authorizationUrl);
  return body;
}

/** Polls until `check` returns a value, failing after a deadline. */
async function until(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25)); // a poll interval, not a wait for the event
  }
}

/** The group's functions, once listed (they are, after the first sign-in). */
const hasTools = (session, url = atp.url) => until('the tools of notes to be listed', async () => (await run(session, 'return typeof api.notes?.whoami', url)).result === 'function');

/** A session whose person has signed in through the link of a failed call. */
async function signedIn(person, url = atp.url, headers = {}) {
  const session = await openSession(url, {}, headers);
  const failed = await run(session, 'return await api.notes.whoami({})', url);
  assert.equal(failed.error?.code, 'AUTHORIZATION_REQUIRED', JSON.stringify(failed));
  const done = await consent(failed.error.authorizationUrl, person);
  assert.equal(done.status, 200, done.text);
  return session;
}

/** The first sign-in of an instance: the group has no functions yet, so the link comes from GET /api/oauth/notes. */
async function firstSignIn(person, url, headers = {}) {
  const session = await openSession(url, {}, headers);
  const status = await call(`${url}/api/oauth/notes`, { headers: session.headers });
  assert.equal(status.body.signedIn, false, JSON.stringify(status.body));
  links.push(status.body.authorizationUrl);
  assert.equal((await consent(status.body.authorizationUrl, person)).status, 200);
  await hasTools(session, url);
  return session;
}

test('before anyone signs in, the sign-in link is discovered from the server: registered client, PKCE, resource, scope', async () => {
  assert.match(atp.stderr(), /lists its tools to signed-in users only, and none has signed in yet/);
  const alice = await openSession(atp.url);
  const status = await call(`${atp.url}/api/oauth/notes`, { headers: alice.headers });
  assert.equal(status.status, 200);
  assert.equal(status.body.signedIn, false);
  links.push(status.body.authorizationUrl);
  const link = new URL(status.body.authorizationUrl);
  assert.equal(`${link.origin}${link.pathname}`, `${mcp.origin}/authorize`, 'the authorization server from the resource metadata');
  assert.equal(mcp.log.registrations.length, 1, 'atp registered itself once');
  assert.equal(link.searchParams.get('client_id'), mcp.log.registrations[0].clientId);
  assert.deepEqual(mcp.log.registrations[0].redirectUris, [`${atp.url}/oauth/callback`]);
  assert.equal(link.searchParams.get('resource'), mcp.url, 'RFC 8707 resource: the MCP server');
  assert.equal(link.searchParams.get('scope'), 'mcp:tools', 'the scope of the 401 challenge');
  assert.equal(link.searchParams.get('code_challenge_method'), 'S256');

  const done = await consent(status.body.authorizationUrl, 'alice');
  assert.equal(done.status, 200, done.text);
  await hasTools(alice);
  assert.deepEqual((await run(alice, 'return await api.notes.whoami({})')).result, { person: 'alice' });
});

test('two people: a call before sign-in asks for it; then each call carries its own person\'s token, on its own session', async () => {
  const alice = await signedIn('alice');
  const bob = await openSession(atp.url);
  const before = await run(bob, 'return await api.notes.whoami({})');
  assert.equal(before.status, 'failed');
  assert.equal(before.error.code, 'AUTHORIZATION_REQUIRED');
  assert.match(before.error.authorizationUrl, new RegExp(`^${mcp.origin}/authorize\\?`));
  assert.ok(!before.error.message.includes(new URL(before.error.authorizationUrl).searchParams.get('state')), 'the message names the link without its state');
  assert.equal((await consent(before.error.authorizationUrl, 'bob')).status, 200);
  const stranger = await openSession(atp.url);
  for (let round = 0; round < 2; round++) {
    const [a, b, c] = await Promise.all([
      run(alice, 'return await api.notes.whoami({})'),
      run(bob, 'return await api.notes.whoami({})'),
      run(stranger, 'return await api.notes.whoami({})'),
    ]);
    assert.deepEqual(a.result, { person: 'alice' }, JSON.stringify(a));
    assert.deepEqual(b.result, { person: 'bob' }, JSON.stringify(b));
    assert.equal(c.error?.code, 'AUTHORIZATION_REQUIRED', 'a session that did not sign in gets no one\'s token');
  }
  assert.deepEqual(mcp.log.crossUser, [], 'no session was used with another person\'s token');
  const people = mcp.log.sessions.map((session) => session.person);
  assert.ok(people.includes('alice') && people.includes('bob'));
  assert.equal(mcp.log.registrations.length, 1, 'the registered client is reused');
  assert.deepEqual((await call(`${atp.url}/api/oauth/notes`, { headers: bob.headers })).body, { group: 'notes', signedIn: true });
});

test('a token about to expire is refreshed (with the resource) before the call', async () => {
  mcp.settings.reportedLifetime = 30; // less than the minute of margin: due for refresh at its first use
  try {
    const carol = await signedIn('carol');
    const refreshes = () => mcp.log.grants.filter((grant) => grant.type === 'refresh_token' && grant.person === 'carol').length;
    const before = refreshes();
    assert.deepEqual((await run(carol, 'return await api.notes.whoami({})')).result, { person: 'carol' });
    assert.ok(refreshes() > before, 'the token was refreshed');
    const [first] = mcp.log.issued.filter((token) => token.startsWith('mcp-at-carol-'));
    assert.notEqual(mcp.log.calls.at(-1).token, first, 'the call carried a refreshed token');
    assert.ok(!mcp.log.grants.some((grant) => grant.refused), 'no refresh was refused');
  } finally {
    mcp.settings.reportedLifetime = 3600;
  }
});

test('signing out revokes at the server; a token the server revoked asks for sign-in again', async () => {
  const grace = await signedIn('grace');
  const henry = await signedIn('henry');
  assert.deepEqual((await run(grace, 'return await api.notes.whoami({})')).result, { person: 'grace' });
  const out = await call(`${atp.url}/api/oauth/notes`, { method: 'DELETE', headers: grace.headers });
  assert.deepEqual(out.body, { group: 'notes', signedOut: true, revoked: true });
  assert.ok(mcp.log.revoked.some((token) => token.startsWith('mcp-rt-grace-')), 'the refresh token was revoked at the server');
  const signedOut = await run(grace, 'return await api.notes.whoami({})');
  assert.equal(signedOut.error?.code, 'AUTHORIZATION_REQUIRED');
  assert.deepEqual((await run(henry, 'return await api.notes.whoami({})')).result, { person: 'henry' });

  // another person signs in from grace's client: the session the server bound to grace is not reused
  assert.equal((await consent(signedOut.error.authorizationUrl, 'gwen')).status, 200);
  assert.deepEqual((await run(grace, 'return await api.notes.whoami({})')).result, { person: 'gwen' });
  assert.deepEqual(mcp.log.crossUser, [], 'no session was used with another person\'s token');

  mcp.revokePerson('henry'); // henry's open session now gets 401s, and his refresh token is refused
  const after = await run(henry, 'return await api.notes.whoami({})');
  assert.equal(after.error?.code, 'AUTHORIZATION_REQUIRED', JSON.stringify(after));
  assert.ok(mcp.log.grants.some((grant) => grant.type === 'refresh_token' && grant.refused), 'a refresh was tried first');
});

test('no token reaches the sandbox, a response, the log or the audit trail; no sign-in state reaches the log or audit', async () => {
  const ivy = await signedIn('ivy');
  const echoed = await run(ivy, `
    const echo = await api.notes.echo({});
    atp.log.info('echoed', echo);
    return echo;`);
  assert.equal(echoed.status, 'completed', JSON.stringify(echoed));
  assert.equal(echoed.result.authorization, 'Bearer [redacted]', 'the server echoed the token: masked before the sandbox');
  const auditFile = path.join(atp.dir, 'audit.jsonl');
  const audit = await until('the audit trail to hold the echo', () => {
    try {
      const text = readFileSync(auditFile, 'utf8');
      return text.includes('"function":"notes.echo"') && text;
    } catch {
      return false;
    }
  });
  const states = links.map((link) => new URL(link).searchParams.get('state'));
  assert.ok(states.length >= 5, `the tests collected sign-in links (${states.length})`);
  assert.match(audit, /AUTHORIZATION_REQUIRED/, 'the audit trail records the calls that asked for a sign-in');
  for (const [where, text] of [['response', JSON.stringify(echoed)], ['log', atp.stderr()], ['audit', audit]]) {
    for (const token of mcp.log.issued) assert.ok(!text.includes(token), `a token is in the ${where}`);
  }
  for (const [where, text] of [['log', atp.stderr()], ['audit', audit]]) {
    for (const state of states) assert.ok(!text.includes(state), `a sign-in state is in the ${where}`);
  }
});

test('two instances sharing Redis refresh one person\'s rotating token at once: one refresh, both calls succeed', async () => {
  const redis = await startRedis();
  assert.ok(redis, 'redis-server is needed for this test');
  const shared = await startAuthorizedMcpServer({ reportedLifetime: 30 }); // every token is due for refresh at its use
  const key = 'one-api-key-for-both-instances-0123';
  const config = {
    state: { store: redis.url },
    auth: { apiKeys: [key] },
    oauth: { encryptionKey: ENCRYPTION_KEY, user: 'apiKey' },
    apis: [{ name: 'notes', type: 'mcp', url: shared.url, auth: { type: 'oauth2' } }],
    logging: { level: 'debug' },
  };
  const withKey = { 'X-API-Key': key };
  let first;
  let second;
  try {
    first = await startAtp(config, { timeoutMs: 60_000 });
    const onFirst = await firstSignIn('dan', first.url, withKey); // the tools listed, and stored in Redis for the second instance
    second = await startAtp(config, { timeoutMs: 60_000 });
    const onSecond = await openSession(second.url, {}, withKey);
    assert.equal((await run(onSecond, 'return typeof api.notes.whoami', second.url)).result, 'function', 'the second instance has the stored tool list');

    shared.settings.reportedLifetime = 3600; // dan's stored token is due; the one its refresh brings is not
    const refreshes = () => shared.log.grants.filter((grant) => grant.type === 'refresh_token').length;
    const before = refreshes();
    const held = shared.holdRefreshes();
    const calls = Promise.all([
      run(onFirst, 'return await api.notes.whoami({})', first.url),
      run(onSecond, 'return await api.notes.whoami({})', second.url),
    ]);
    // both instances are refreshing: one at the server, the other waiting for it (or, without the lock, at the server too)
    const waiting = /another instance is refreshing this user's token/;
    await until('both instances to be refreshing', () => held.arrived() >= 2 || (held.arrived() >= 1 && (waiting.test(first.stderr()) || waiting.test(second.stderr()))), 30_000);
    held.release();
    const [a, b] = await calls;
    assert.deepEqual(a.result, { person: 'dan' }, JSON.stringify(a));
    assert.deepEqual(b.result, { person: 'dan' }, JSON.stringify(b));
    assert.equal(refreshes() - before, 1, 'one refresh for both instances');
    assert.ok(!shared.log.grants.some((grant) => grant.refused), 'no refresh token was used twice');
    assert.deepEqual((await run(onSecond, 'return await api.notes.whoami({})', second.url)).result, { person: 'dan' }, 'still signed in');
  } finally {
    await first?.stop();
    await second?.stop();
    await shared.close();
    await redis.stop();
  }
});
