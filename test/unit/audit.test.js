// The audit trail's parts: the secrets a config holds, redaction of events, and the HTTP sink's batching,
// retries and failure reporting against a real endpoint on loopback.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { configFromText } from '../../dist/config/index.js';
import { AuditRedactor } from '../../dist/audit/index.js';
import { configSecrets } from '../../dist/secrets/index.js';
import { HttpSink } from '../../dist/audit/sinks.js';
import { createLogger } from '../../dist/logging/index.js';

const CONFIG = `
auth: { apiKeys: [client-key-0001-abcdef], jwtSecret: jwt-secret-0123456789abcdef-0123456789 }
apis:
  - name: gh
    type: openapi
    spec: https://example.test/openapi.json
    auth: { type: basic, username: bot, password: basic-pass-4242 }
    headers: { Accept: application/json, X-Api-Key: header-key-9999 }
  - name: files
    type: mcp
    command: node
    env: { NODE_ENV: production, GITHUB_TOKEN: env-token-3131 }
audit:
  sinks: [{ type: http, url: "http://127.0.0.1:9/events", headers: { Authorization: "Bearer sink-token-5555" } }]
`;

test('configSecrets finds the credentials of a config, and not its ordinary header or env values', () => {
  const secrets = configSecrets(configFromText(CONFIG, { filepath: '/tmp/atp-audit.yaml', env: {} })).map((found) => found.value);
  for (const secret of ['client-key-0001-abcdef', 'jwt-secret-0123456789abcdef-0123456789', 'basic-pass-4242', Buffer.from('bot:basic-pass-4242').toString('base64'), 'header-key-9999', 'env-token-3131', 'Bearer sink-token-5555']) {
    assert.ok(secrets.includes(secret), `${secret} is a secret`);
  }
  assert.ok(!secrets.includes('application/json'));
  assert.ok(!secrets.includes('production'));
});

test('the redactor cuts secrets out of every string and replaces secret-named fields, at any depth', () => {
  const redactor = new AuditRedactor(['s3cr3t-value', 'a b&c/d', 'abc'], ['ssn']);
  const out = redactor.value({
    message: 'token s3cr3t-value here',
    nested: [{ url: 'https://x.test/?k=a%20b%26c%2Fd', Authorization: 'Bearer whatever', 'X-API-Key': 'k', api_key: 'k2', SSN: '123' }],
    'key s3cr3t-value': 1,
    short: 'abc stays: too short to be told from ordinary text',
    when: new Date(0),
    empty: { password: '' },
  });
  assert.deepEqual(out, {
    message: 'token [redacted] here',
    nested: [{ url: 'https://x.test/?k=[redacted]', Authorization: '[redacted]', 'X-API-Key': '[redacted]', api_key: '[redacted]', SSN: '[redacted]' }],
    'key [redacted]': 1,
    short: 'abc stays: too short to be told from ordinary text',
    when: '1970-01-01T00:00:00.000Z',
    empty: { password: '' },
  });
});

test('the redactor cuts the sign-in parameters out of any URL it quotes (an OAuth link\'s state, a callback\'s code)', () => {
  const redactor = new AuditRedactor([]);
  assert.equal(
    redactor.text('Sign in: open https://idp.test/authorize?client_id=atp&state=Zx81-long_state&code_challenge=abc then approve'),
    'Sign in: open https://idp.test/authorize?client_id=atp&state=[redacted]&code_challenge=abc then approve',
  );
  assert.equal(redactor.text('/oauth/callback?code=S9a&STATE=q1'), '/oauth/callback?code=[redacted]&STATE=[redacted]');
  assert.equal(redactor.text('the state=of things, code=42 in prose'), 'the state=of things, code=42 in prose', 'not a URL\'s query');
});

async function endpoint(statuses) {
  const batches = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const status = statuses.length > 0 ? statuses.shift() : 200;
    if (status === 200) batches.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(status).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/audit?key=secret-in-url`, batches, close: () => new Promise((resolve) => server.close(resolve)) };
}

function recordingLogger() {
  const lines = [];
  return { lines, logger: createLogger({ level: 'warn', format: 'text', write: (line) => lines.push(line) }) };
}

test('the HTTP sink sends events in order, in batches of at most 100, and close() delivers the rest', async () => {
  const server = await endpoint([]);
  const { logger, lines } = recordingLogger();
  const sink = new HttpSink(server.url, {}, logger);
  for (let i = 0; i < 250; i++) sink.write(JSON.stringify({ n: i }));
  await sink.close();
  await server.close();
  assert.deepEqual(server.batches.map((batch) => batch.length), [100, 100, 50]);
  assert.deepEqual(server.batches.flat().map((event) => event.n), Array.from({ length: 250 }, (_, i) => i));
  assert.deepEqual(lines, []);
});

test('the HTTP sink resends a batch after a 503, and reports a batch it cannot deliver without the URL\'s secret', async () => {
  const server = await endpoint([503]);
  const { logger, lines } = recordingLogger();
  const sink = new HttpSink(server.url, {}, logger);
  sink.write('{"n":1}');
  await sink.close();
  assert.deepEqual(server.batches, [[{ n: 1 }]]);
  assert.deepEqual(lines, []);

  const refusing = await endpoint([400]);
  const second = new HttpSink(refusing.url, {}, logger);
  second.write('{"n":2}');
  await second.close();
  await refusing.close();
  await server.close();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /audit events could not be delivered, and are lost .*events=1 reason="HTTP 400"/);
  assert.doesNotMatch(lines[0], /secret-in-url/);
});

test('an HTTP sink whose endpoint is down loses its events with an error in the log, and does not throw', async () => {
  const server = await endpoint([]);
  const url = server.url;
  await server.close(); // nothing listens there now
  const { logger, lines } = recordingLogger();
  const sink = new HttpSink(url, {}, logger);
  sink.write('{"n":1}');
  await sink.close();
  assert.equal(lines.length, 1);
  assert.match(lines[0], /could not be delivered.*reason=ECONNREFUSED/);
});
