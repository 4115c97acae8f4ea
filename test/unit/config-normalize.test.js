// The typed Config: defaults filled, durations in ms, sizes in bytes, relative paths made absolute,
// and every section of the schema present.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, configSchema, parseDuration, parseSize, formatDuration } from '../../dist/config/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const VALID = path.join(REPO, 'test/fixtures/valid');

const minimal = () => loadConfig({ configPath: path.join(VALID, 'minimal.yaml'), env: {} });
const full = (env = {}) => loadConfig({ configPath: path.join(VALID, 'full.yaml'), env });

test('every top-level section of the schema exists in the Config, even when the file omits it', async () => {
  const config = await minimal();
  for (const section of Object.keys(configSchema.properties).filter((key) => key !== '$schema')) {
    assert.ok(section in config, `Config has no ${section}`);
    assert.equal(typeof config[section], 'object', `${section} is ${typeof config[section]}`);
  }
  assert.equal('$schema' in config, false);
  assert.equal(config.file, path.join(VALID, 'minimal.yaml'));
  assert.equal(config.dir, VALID);
});

test('defaults are filled, in ms and bytes', async () => {
  const config = await minimal();
  assert.deepEqual(config.server, { host: '127.0.0.1', port: 3333, cors: false, bodyLimit: 1_000_000, mcp: false });
  assert.deepEqual(config.auth, { tokenTTL: 3_600_000, tokenRotation: 1_800_000 });
  assert.deepEqual(config.execution, {
    timeout: 30_000, maxTimeout: 300_000, memory: 128_000_000, maxMemory: 512_000_000, llmCalls: 100, maxLLMCalls: 1000,
    concurrency: 16, queue: 256, pool: 4, maxResultSize: 8_000_000, maxLogEntries: 1000, timezone: 'UTC', provenance: 'none', isolation: 'client',
    clientConcurrency: 12, clientQueue: 192,
  });
  assert.deepEqual(config.state, { store: 'memory://', ttl: 3_600_000, maxPauseDuration: 3_600_000, live: { max: 64, memory: 1_000_000_000 } });
  assert.deepEqual(config.cache, { store: 'memory://', namespace: 'atp', defaultTTL: 3_600_000 });
  assert.deepEqual(config.search, { maxResults: 10, embeddings: { provider: 'none' } });
  assert.deepEqual(config.policies, {});
  assert.deepEqual(config.audit, { sinks: [], includeInputs: true, includeResults: false, onFailure: 'continue' });
  assert.deepEqual(config.telemetry, { serviceName: 'atp', sampleRatio: 1, metrics: { otlp: false, interval: 60_000, topClients: 10 } });
  assert.deepEqual(config.logging, { level: 'info', format: 'text' });
  assert.deepEqual(config.apis, [{
    name: 'petstore', type: 'openapi', spec: path.join(VALID, 'specs/petstore.yaml'), timeout: 30_000, retries: 2, concurrency: 16, clientConcurrency: 12,
  }]);
});

test('full.yaml: every section carries its written values, converted', async () => {
  const config = await full();
  assert.deepEqual(config.server, {
    host: '0.0.0.0', port: 4100, bodyLimit: 2_000_000, mcp: true,
    cors: { origins: ['https://app.example.com', 'http://localhost:5173'], credentials: true, maxAge: 600_000 },
  });
  assert.deepEqual(config.auth, {
    apiKeys: ['test-key-0123456789abcdef'], jwtSecret: '0123456789abcdef0123456789abcdef', tokenTTL: 7_200_000, tokenRotation: 2_700_000,
  });
  assert.deepEqual(config.execution, {
    timeout: 20_000, maxTimeout: 120_000, memory: 64 * 1024 * 1024, maxMemory: 256_000_000, llmCalls: 10, maxLLMCalls: 50,
    concurrency: 4, queue: 32, pool: 2, maxResultSize: 4_000_000, maxLogEntries: 500, timezone: 'Europe/Paris', provenance: 'track', isolation: 'client',
    clientConcurrency: 3, clientQueue: 24,
  });
  assert.deepEqual(config.state, { store: 'redis://127.0.0.1:6379/2', ttl: 1_800_000, maxPauseDuration: 900_000, live: { max: 8, memory: 512_000_000 } });
  assert.deepEqual(config.cache, { store: 'postgres://atp:secret@127.0.0.1:5432/atp', namespace: 'atp-test', defaultTTL: 300_000 });
  assert.deepEqual(config.search, {
    maxResults: 20,
    embeddings: { provider: 'openai', url: 'https://api.openai.com/v1', model: 'text-embedding-3-small', apiKey: 'sk-test', dimensions: 256 },
  });
  assert.deepEqual(config.policies, {
    allow: ['petstore.*', 'math.add', 'files.*'], deny: ['*.delete*'], requireApproval: ['petstore.createPet'],
    rules: [
      { rule: 'preventDataExfiltration', action: 'approve', functions: ['files.*'] },
      { rule: 'auditSensitiveAccess', action: 'block' },
    ],
  });
  assert.deepEqual(config.audit, {
    sinks: [
      { type: 'stdout' },
      { type: 'file', path: path.join(VALID, 'audit/atp-audit.jsonl'), maxSize: 10_000_000, maxFiles: 7, daily: true },
      { type: 'http', url: 'https://audit.example.com/events', headers: { 'X-Audit-Key': 'a' } },
    ],
    includeInputs: false, includeResults: true, redact: ['password', 'ssn'], onFailure: 'reject', instanceId: 'atp-test-1',
  });
  assert.deepEqual(config.telemetry, {
    serviceName: 'atp-test', endpoint: 'http://127.0.0.1:4318/v1/traces', headers: { 'X-Honeycomb-Team': 'h' }, sampleRatio: 0.25,
    metrics: { otlp: true, interval: 30_000, prometheus: { token: 'scrape-token-0a1b2c3d4e', port: 9464, host: '127.0.0.1' }, topClients: 5 },
  });
  assert.deepEqual(config.logging, { level: 'debug', format: 'json' });
});

test('full.yaml: each kind of API group, with paths resolved against the config folder', async () => {
  const config = await full();
  const byName = Object.fromEntries(config.apis.map((group) => [group.name, group]));
  assert.deepEqual(config.apis.map((g) => `${g.name}:${g.type}`), [
    'petstore:openapi', 'remotePets:openapi', 'billing:openapi', 'legacy:openapi', 'files:mcp', 'docs:mcp', 'math:module',
  ]);
  assert.deepEqual(byName.petstore, {
    name: 'petstore', type: 'openapi', description: 'Pets, owners and their visits.',
    spec: path.join(VALID, 'specs/petstore.yaml'), baseUrl: 'https://petstore.example.com/v2', serverVariables: { region: 'eu' },
    auth: { type: 'bearer', token: 'dev-token' }, headers: { 'User-Agent': 'atp-tests' },
    include: { tags: ['pets'], methods: ['get', 'POST'] }, exclude: { operations: ['delete*'], paths: ['/admin/**'] },
    timeout: 15_000, retries: 3, concurrency: 8, clientConcurrency: 6,
  });
  // A URL spec stays a URL; `specs/x` without ./ is relative too.
  assert.equal(byName.remotePets.spec, 'https://petstore.example.com/openapi.json');
  assert.equal(byName.billing.spec, path.join(VALID, 'specs/petstore.yaml'));
  assert.deepEqual(byName.remotePets.auth, {
    type: 'oauth2', tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'atp', clientSecret: 'secret',
    scopes: ['pets.read'], audience: 'https://petstore.example.com',
  });
  assert.deepEqual(byName.billing.auth, { type: 'apiKey', in: 'query', name: 'api_key', value: 'k' });
  assert.deepEqual(byName.legacy.auth, { type: 'basic', username: 'admin', password: '' });
  assert.deepEqual(byName.files, {
    name: 'files', type: 'mcp', description: "The workspace's files.", command: 'node', args: ['server.js', '--root', '${HOME}'],
    env: { LOG_LEVEL: 'warn' }, cwd: path.join(VALID, 'mcp-work'), lazy: true, timeout: 90_000, concurrency: 2, clientConcurrency: 1,
  });
  assert.deepEqual(byName.docs, {
    name: 'docs', type: 'mcp', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer none' },
    lazy: false, timeout: 60_000, concurrency: 16, clientConcurrency: 12,
  });
  assert.deepEqual(byName.math, { name: 'math', type: 'module', module: path.join(VALID, 'tools/math.mjs'), timeout: 1_000, concurrency: 16, clientConcurrency: 12 });
});

test('full.yaml: environment values replace the defaults written in it', async () => {
  const config = await full({ ATP_TEST_PORT: '5200', PETSTORE_TOKEN: 'from-env', LEGACY_PASSWORD: 'pw' });
  assert.equal(config.server.port, 5200);
  assert.equal(config.apis[0].auth.token, 'from-env');
  assert.equal(config.apis[3].auth.password, 'pw');
});

test('loading twice gives equal, independent Configs', async () => {
  const a = await minimal();
  const b = await minimal();
  assert.deepEqual(a, b);
  a.server.port = 1;
  assert.equal(b.server.port, 3333);
});

test('units: durations to ms and sizes to bytes, malformed ones undefined', () => {
  assert.deepEqual(['500ms', '30s', '5m', '1h', '1d', '1.5s', '2 m', 250].map(parseDuration), [500, 30_000, 300_000, 3_600_000, 86_400_000, 1_500, 120_000, 250]);
  assert.deepEqual(['30', '30 seconds', '1w', '-1s', '', 1.5, -3].map(parseDuration), [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(['512KB', '128MB', '1GB', '64MiB', '1KiB', '1gib', '10B', 2048].map(parseSize),
    [512_000, 128_000_000, 1_000_000_000, 67_108_864, 1_024, 1_073_741_824, 10, 2048]);
  assert.deepEqual(['128', '128 megs', '1TB', '-1MB', 1.5].map(parseSize), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual([999, 1_500, 90_000, 5_400_000].map(formatDuration), ['999ms', '1.5s', '1.5m', '1.5h']);
});
