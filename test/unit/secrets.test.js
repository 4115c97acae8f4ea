// Secrets: which config values are secrets, and masking them in texts and values in every form they travel in.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secrets, secretsOf } from '../../dist/secrets/index.js';
import { configFromText } from '../../dist/config/index.js';
import { createLogger } from '../../dist/logging/index.js';

test('a secret is masked as written, URL-encoded (both space forms) and JSON-escaped; shorter ones are not', () => {
  const secrets = new Secrets();
  secrets.add('pa ss"w/rd&1', 'short', undefined);
  assert.equal(secrets.mask('a pa ss"w/rd&1 b'), 'a [redacted] b');
  assert.equal(secrets.mask('?p=pa%20ss%22w%2Frd%261'), '?p=[redacted]');
  assert.equal(secrets.mask('p=pa+ss%22w%2Frd%261'), 'p=[redacted]');
  assert.equal(secrets.mask(JSON.stringify({ p: 'pa ss"w/rd&1' })), '{"p":"[redacted]"}');
  assert.equal(secrets.mask('short stays'), 'short stays');
  assert.equal(secrets.test('nothing here'), false);
});

test('a secret that contains another is masked whole; regex characters in a secret are literal', () => {
  const secrets = new Secrets();
  secrets.add('abc.def', 'abc.def.ghi-123');
  assert.equal(secrets.mask('x abc.def.ghi-123 y abc.def z abcXdef'), 'x [redacted] y [redacted] z abcXdef');
});

test('maskValue masks strings and keys at any depth and returns the same object when nothing matched', () => {
  const secrets = new Secrets();
  secrets.add('token-123456');
  const clean = { a: [1, { b: 'c' }], d: null };
  assert.equal(secrets.maskValue(clean), clean);
  const shared = { untouched: true };
  const dirty = { list: ['x token-123456 y', 2], nested: { deep: [{ 'token-123456': 'k' }] }, shared };
  const out = secrets.maskValue(dirty);
  assert.deepEqual(out, { list: ['x [redacted] y', 2], nested: { deep: [{ '[redacted]': 'k' }] }, shared });
  assert.equal(out.shared, shared, 'parts that did not change are not copied');
  assert.equal(dirty.list[0], 'x token-123456 y', 'the original is left as it was');
  assert.equal(new Secrets().maskValue(dirty), dirty);
});

test('the config\'s secrets: auth, credential-named headers, env and flags, URL passwords and keys; not ordinary values', () => {
  const config = configFromText(`
state: { store: "redis://:store-pass-77@127.0.0.1:6379" }
apis:
  - name: files
    type: mcp
    command: node
    args: [server.js, --api-key, flag-key-8888, --token=flag-token-9999, --port, "8080", ./data]
    env: { NODE_ENV: production, GITHUB_TOKEN: env-token-3131 }
  - name: remote
    type: mcp
    url: "https://mcp.example.test/mcp?api_key=url-key-4444&page=2"
  - name: shop
    type: openapi
    spec: https://shop.example.test/openapi.json
    baseUrl: https://shop.example.test
    headers: { Accept: application/json, X-Session-Id: session-5555 }
    auth: { type: basic, username: bot, password: basic-pass-4242 }
`, { filepath: '/tmp/atp-secrets.yaml', env: {} });
  const { secrets, short } = secretsOf(config);
  for (const value of ['store-pass-77', 'flag-key-8888', 'flag-token-9999', 'env-token-3131', 'url-key-4444', 'session-5555', 'basic-pass-4242', Buffer.from('bot:basic-pass-4242').toString('base64')]) {
    assert.equal(secrets.mask(`<${value}>`), '<[redacted]>', value);
  }
  for (const value of ['production', 'application/json', '8080', './data', 'server.js', 'https://shop.example.test']) {
    assert.equal(secrets.mask(value), value, `${value} is not a secret`);
  }
  assert.deepEqual(short, []);
});

test('the logger masks secrets in messages and fields; a JSON line stays JSON whatever the secret holds', () => {
  const secrets = new Secrets();
  const lines = [];
  const json = createLogger({ level: 'info', format: 'json', secrets, write: (line) => lines.push(line) });
  const text = createLogger({ level: 'info', format: 'text', secrets, write: (line) => lines.push(line) }).child({ group: 'g' });
  secrets.add('quote"secret-1234', '12345678'); // added after the loggers were made, as fetched tokens are
  json.info('server said quote"secret-1234', { stderr: 'id 12345678', n: 123456789 });
  text.warn('with quote"secret-1234 inside', { value: 'quote"secret-1234' });
  const parsed = JSON.parse(lines[0]);
  assert.equal(parsed.msg, 'server said [redacted]');
  assert.equal(parsed.stderr, 'id [redacted]');
  assert.equal(parsed.n, 123456789, 'a number is data, not text: it keeps its type');
  assert.ok(!lines[1].includes('secret-1234'), lines[1]);
  assert.match(lines[1], /^warn {2}with \[redacted\] inside/);
});
