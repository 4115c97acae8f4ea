// MCP's authorization in process, against a real MCP server and authorization server on 127.0.0.1 (built from the
// SDK's server pieces): discovery and its overrides, per-user sessions (isolated, bounded, closed when idle), and
// two delegations sharing one store refreshing one user's rotating token at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { discoverProvider } from '../../dist/catalog/loaders/mcp/authorization.js';
import { UserSessions } from '../../dist/catalog/loaders/mcp/user-sessions.js';
import { UserDelegation, TokenCipher } from '../../dist/oauth/index.js';
import { openStore } from '../../dist/store/index.js';
import { Secrets } from '../../dist/secrets/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { configFromText } from '../../dist/config/index.js';
import { delegatedGroups } from '../../dist/oauth/index.js';
import { startAuthorizedMcpServer } from '../fixtures/oauth/mcp-server.js';

const KEY = 'a-test-encryption-key-that-is-long-enough';
const REDIRECT = 'http://127.0.0.1:9/callback'; // never reached: the test takes the code from the redirect itself

let mcp;
before(async () => {
  mcp = await startAuthorizedMcpServer();
});
after(async () => {
  await mcp?.close();
});

const groupConfig = (auth = { type: 'oauth2' }) => ({ name: 'notes', type: 'mcp', url: mcp.url, auth, timeout: 10_000, concurrency: 4, clientConcurrency: 3, lazy: false });

function logger(lines = []) {
  return createLogger({ level: 'debug', format: 'text', write: (line) => lines.push(line) });
}

/** A delegation as one instance has it: users are their client ids here. */
function delegation(store, lines) {
  return new UserDelegation({ store, cipher: new TokenCipher(KEY), secrets: new Secrets(), logger: logger(lines), stateTTL: 60_000, identify: async (clientId) => clientId, redirectUri: () => REDIRECT });
}

/** Signs `person` in as user `user`: the link, consent at the authorization server, the code handed to complete(). */
async function signIn(oauth, user, person) {
  const link = new URL(await oauth.signInUrl('notes', user));
  link.searchParams.set('as', person);
  const authorize = await fetch(link, { redirect: 'manual' });
  assert.equal(authorize.status, 302, await authorize.text());
  const back = new URL(authorize.headers.get('location'));
  await oauth.complete(Object.fromEntries(back.searchParams));
}

async function until(what, check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // a poll interval, not a wait for the event
  }
}

test('discovery finds the sign-in from the 401 challenge and metadata; the config overrides it', async () => {
  const found = await discoverProvider(groupConfig(), 5_000);
  assert.equal(found.authorizationUrl, `${mcp.origin}/authorize`);
  assert.equal(found.tokenUrl, `${mcp.origin}/token`);
  assert.equal(found.revocationUrl, `${mcp.origin}/revoke`);
  assert.equal(found.registrationUrl, `${mcp.origin}/register`);
  assert.equal(found.clientId, undefined);
  assert.equal(found.resource, mcp.url);
  assert.deepEqual(found.scopes, ['mcp:tools'], 'the scope of the challenge');
  assert.equal(found.pkce, true);

  const configured = await discoverProvider(groupConfig({ type: 'oauth2', clientId: 'by-hand', clientSecret: 'a-secret-by-hand', scopes: ['a', 'b'], tokenUrl: 'http://127.0.0.1:9/token' }), 5_000);
  assert.equal(configured.clientId, 'by-hand');
  assert.equal(configured.clientSecret, 'a-secret-by-hand');
  assert.equal(configured.registrationUrl, undefined, 'no registration with a configured client');
  assert.deepEqual(configured.scopes, ['a', 'b']);
  assert.equal(configured.tokenUrl, 'http://127.0.0.1:9/token');
});

test('a server that says nothing of its authorization is an error naming what to set', async () => {
  const bare = createServer((req, res) => res.writeHead(req.url.startsWith('/.well-known/') ? 404 : 401).end());
  await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${bare.address().port}/mcp`;
    await assert.rejects(discoverProvider({ ...groupConfig(), url }, 5_000), /does not say where its users sign in: no authorization server metadata was found .*; set auth\.authorizationUrl/);
    await assert.rejects(
      discoverProvider({ ...groupConfig({ type: 'oauth2', authorizationUrl: `${url}/a`, tokenUrl: `${url}/t` }), url }, 5_000),
      /does not register clients dynamically .*set auth\.clientId/,
    );
  } finally {
    await new Promise((resolve) => bare.close(resolve));
  }
});

test('sessions: one per client with its own user\'s token, at most `max`, closed when idle', async () => {
  const store = await openStore('memory://', { namespace: 'sessions' });
  const oauth = delegation(store);
  const credentials = oauth.register('notes', await discoverProvider(groupConfig(), 5_000));
  for (const person of ['ann', 'ben', 'cal']) await signIn(oauth, person, person);
  const sessions = new UserSessions(groupConfig(), logger(), credentials, { onTools() {} }, { max: 2, idleMs: 200 });
  const signal = AbortSignal.timeout(10_000);
  const whoami = async (client) => (await client.callTool({ name: 'whoami', arguments: {} })).structuredContent.person;
  try {
    for (const person of ['ann', 'ben', 'ann', 'cal', 'ben']) {
      const client = await sessions.acquire(signal, person);
      try {
        assert.equal(await whoami(client), person);
      } finally {
        sessions.release(client);
      }
      assert.ok(sessions.size <= 2, `at most 2 sessions (${sessions.size})`);
    }
    assert.deepEqual(mcp.log.crossUser, []);
    await assert.rejects(sessions.acquire(signal, 'nobody'), (error) => error.code === 'AUTHORIZATION_REQUIRED');

    // sessions with calls in flight are never the ones closed to make room
    const held = [await sessions.acquire(signal, 'ann'), await sessions.acquire(signal, 'ben')];
    const third = await sessions.acquire(signal, 'cal');
    assert.equal(sessions.size, 3, 'over the bound only while every session has a call in flight');
    assert.deepEqual(await Promise.all(held.map(whoami)), ['ann', 'ben']);
    for (const client of [...held, third]) sessions.release(client);
    await until('idle sessions to close', () => sessions.size === 0);
  } finally {
    await sessions.close();
    await store.close();
  }
});

test('two instances sharing a store refresh one user\'s rotating token at once: one refresh, the same new token', async () => {
  const store = await openStore('memory://', { namespace: 'race' });
  const lines = [[], []];
  const [first, second] = [delegation(store, lines[0]), delegation(store, lines[1])];
  const provider = await discoverProvider(groupConfig(), 5_000);
  const credentials = [first.register('notes', provider), second.register('notes', provider)];
  mcp.settings.reportedLifetime = 30; // due for refresh at its first use
  try {
    await signIn(first, 'dora', 'dora');
  } finally {
    mcp.settings.reportedLifetime = 3600; // the refreshed one is not
  }
  const refreshes = () => mcp.log.grants.filter((grant) => grant.type === 'refresh_token' && grant.person === 'dora').length;
  const before = refreshes();
  const held = mcp.holdRefreshes();
  const signal = AbortSignal.timeout(20_000);
  const tokens = Promise.all(credentials.map((group) => group.accessToken('dora', signal)));
  const waiting = (text) => /another instance is refreshing/.test(text.join('\n'));
  await until('both to be refreshing', () => held.arrived() >= 2 || (held.arrived() >= 1 && (waiting(lines[0]) || waiting(lines[1]))));
  held.release();
  const [a, b] = await tokens;
  assert.equal(a, b, 'both use the token of the one refresh');
  assert.equal(refreshes() - before, 1);
  assert.ok(!mcp.log.grants.some((grant) => grant.refused), 'the rotated refresh token was used once');
  await store.close();
});

test('the config: auth oauth2 on a remote MCP group needs nothing more, signs users in, and is refused on a spawned one', () => {
  const load = (group) => configFromText(`apis:\n  - ${JSON.stringify({ name: 'notes', type: 'mcp', ...group })}\n`, { filepath: path.join(os.tmpdir(), 'atp.yaml'), env: {} });
  const config = load({ url: 'https://notes.example.com/mcp', auth: { type: 'oauth2' } });
  assert.deepEqual(config.apis[0].auth, { type: 'oauth2' });
  assert.deepEqual(delegatedGroups(config), ['notes']);
  const full = load({ url: 'https://notes.example.com/mcp', auth: { type: 'oauth2', clientId: 'c', clientSecret: 's', scopes: ['a'], tokenUrl: 'https://as.example.com/token' } });
  assert.equal(full.apis[0].auth.clientId, 'c');
  assert.throws(() => load({ url: 'https://notes.example.com/mcp', auth: { type: 'bearer', token: 't' } }), /auth/);
  assert.throws(() => load({ command: 'node', args: ['server.js'], auth: { type: 'oauth2' } }), (error) => {
    assert.ok(error.problems.some((problem) => problem.path === 'apis[0].auth' && /applies only to remote \(url\) MCP servers/.test(problem.message)), JSON.stringify(error.problems));
    return true;
  });
});
