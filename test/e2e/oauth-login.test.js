// `atp login` from a terminal against a real authorization server on 127.0.0.1: the sign-in link, the loopback
// redirect, the token kept sealed where `atp exec` finds it, and `atp logout` revoking it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLIENT_ID, CLIENT_SECRET, consent, startProvider } from '../fixtures/oauth/provider.js';
import { consent as consentMcp, startAuthorizedMcpServer } from '../fixtures/oauth/mcp-server.js';
import { ATP_BIN, runAtp, stopProcess, waitForOutput } from './serve-harness.js';

let provider;
let dir;

before(async () => {
  provider = await startProvider();
  dir = mkdtempSync(path.join(os.tmpdir(), 'atp-login-'));
});
after(async () => {
  await provider?.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name, oauth) {
  const config = {
    oauth,
    apis: [{ name: 'crm', type: 'openapi', spec: provider.spec, auth: { type: 'oauth2', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, revocationUrl: `${provider.origin}/revoke` } }],
  };
  writeFileSync(path.join(dir, name), JSON.stringify(config, null, 2));
  return name;
}

/** `atp login` until it prints its sign-in link; the caller follows it and waits for the exit. */
async function startLogin(args) {
  const child = spawn(process.execPath, ['--no-node-snapshot', ATP_BIN, 'login', ...args], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const link = await waitForOutput(child, [child.stderr], (text) => /^ {2}(http\S+)$/m.exec(text)?.[1], 'the sign-in link', 30_000);
  return { child, link, exited };
}

test('atp login signs in through the loopback redirect; atp exec then acts as that person; atp logout revokes', async () => {
  const config = writeConfig('atp.yaml', { encryptionKey: 'terminal-encryption-key-of-32-characters', credentialsFile: './credentials.json' });
  const before = await runAtp(['exec', '-c', config, '-'], { cwd: dir, stdin: 'return await api.crm.me({})' });
  assert.equal(before.code, 3, before.stderr);
  assert.match(before.stderr, /AUTHORIZATION_REQUIRED/);
  assert.match(before.stderr, /sign in from this terminal with atp login crm -c atp\.yaml/);

  const login = await startLogin(['crm', '-c', config]);
  try {
    const link = new URL(login.link);
    assert.equal(`${link.origin}${link.pathname}`, `${provider.origin}/authorize`);
    assert.match(link.searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const done = await consent(login.link, 'kim');
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /Signed in to crm/);
    const { code, stdout, stderr } = await login.exited;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Signed in to crm; the token is kept, encrypted, in .*credentials\.json/);
  } finally {
    await stopProcess(login.child);
  }

  const file = path.join(dir, 'credentials.json');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
  const stored = readFileSync(file, 'utf8');
  for (const token of provider.log.issued) assert.ok(!stored.includes(token), 'no token in the clear in the credentials file');

  const after = await runAtp(['exec', '-c', config, '-'], { cwd: dir, stdin: 'return await api.crm.echo({})' });
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(JSON.parse(after.stdout), { authorization: 'Bearer [redacted]', person: 'kim' });

  const out = await runAtp(['logout', 'crm', '-c', config], { cwd: dir });
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /Signed out of crm; the provider revoked the token/);
  assert.ok(provider.log.revoked.some((token) => token.startsWith('rt-kim-')));
  const again = await runAtp(['exec', '-c', config, '-'], { cwd: dir, stdin: 'return await api.crm.me({})' });
  assert.equal(again.code, 3);
  assert.match(again.stderr, /AUTHORIZATION_REQUIRED/);
  const twice = await runAtp(['logout', 'crm', '-c', config, '--json'], { cwd: dir });
  assert.deepEqual(JSON.parse(twice.stdout), { group: 'crm', signedOut: false, revoked: false });
});

test('atp login refuses what it cannot do: no encryption key, an unknown group, a refused consent', async () => {
  const keyless = writeConfig('keyless.yaml', { credentialsFile: './other.json' });
  const noKey = await runAtp(['login', 'crm', '-c', keyless], { cwd: dir });
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /oauth\.encryptionKey is not set/);
  const execNoKey = await runAtp(['exec', '-c', keyless, '-'], { cwd: dir, stdin: 'try { await api.crm.me({}); } catch (error) { return error.code; }' });
  assert.equal(execNoKey.code, 0, 'atp exec still runs; only the calls that need a sign-in fail');
  assert.equal(execNoKey.stdout.trim(), 'AUTHORIZATION_REQUIRED');
  assert.match(execNoKey.stderr, /groups that act for a signed-in user cannot: oauth\.encryptionKey is not set/);

  const config = writeConfig('refuse.yaml', { encryptionKey: 'terminal-encryption-key-of-32-characters', credentialsFile: './refused.json' });
  const unknown = await runAtp(['login', 'nope', '-c', config], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no API group named nope; the config has crm/);

  const login = await startLogin(['crm', '-c', config, '--timeout', '1m']);
  try {
    const denied = await consent(login.link, 'lee', { deny: true });
    assert.equal(denied.status, 400);
    const { code, stderr } = await login.exited;
    assert.equal(code, 1);
    assert.match(stderr, /the sign-in did not complete: The provider did not grant access \(access_denied\)/);
  } finally {
    await stopProcess(login.child);
  }
});

test('a remote MCP server with MCP\'s authorization: atp login registers and signs in, atp exec lists and calls as that person, atp logout revokes', async () => {
  const mcp = await startAuthorizedMcpServer();
  try {
    const config = 'mcp.yaml';
    writeFileSync(path.join(dir, config), JSON.stringify({
      oauth: { encryptionKey: 'terminal-encryption-key-of-32-characters', credentialsFile: './mcp-credentials.json' },
      apis: [{ name: 'notes', type: 'mcp', url: mcp.url, auth: { type: 'oauth2' } }],
    }, null, 2));
    const before = await runAtp(['exec', '-c', config, '-'], { cwd: dir, stdin: 'return typeof api.notes?.whoami' });
    assert.equal(before.code, 0, before.stderr);
    assert.equal(before.stdout.trim(), 'undefined', 'nobody signed in: the server lists no tools');

    for (const round of [1, 2]) {
      const login = await startLogin(['notes', '-c', config]);
      try {
        const link = new URL(login.link);
        assert.equal(link.searchParams.get('resource'), mcp.url);
        assert.match(link.searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
        assert.equal((await consentMcp(login.link, 'kim')).status, 200);
        const { code, stderr } = await login.exited;
        assert.equal(code, 0, stderr);
        assert.doesNotMatch(stderr, /lists its tools to signed-in users only/, 'atp login does not warn about what only serving needs');
      } finally {
        await stopProcess(login.child);
      }
      assert.equal(mcp.log.registrations.length, 1, `round ${round}: one registration serves every loopback port`);
    }

    const after = await runAtp(['exec', '-c', config, '-'], { cwd: dir, stdin: 'return [await api.notes.whoami({}), await api.notes.echo({})]' });
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(JSON.parse(after.stdout), [{ person: 'kim' }, { authorization: 'Bearer [redacted]' }]);
    for (const token of mcp.log.issued) assert.ok(!after.stdout.includes(token) && !after.stderr.includes(token));

    const out = await runAtp(['logout', 'notes', '-c', config], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Signed out of notes; the provider revoked the token/);
    assert.ok(mcp.log.revoked.some((token) => token.startsWith('mcp-rt-kim-')));
  } finally {
    await mcp.close();
  }
});
