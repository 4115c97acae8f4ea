// telemetry.metrics in the config: what it turns into, and the mistakes found at their line before start-up
// (metrics to push beside traces that have no endpoint, a /metrics open to anyone).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromText, ConfigError } from '../../dist/config/index.js';
import { secretsOf } from '../../dist/secrets/index.js';
import { otlpEndpoint } from '../../dist/telemetry/index.js';

const DIR = path.join(tmpdir(), 'atp-metrics-config');
const load = (text) => configFromText(text, { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: { TOKEN: 'scrape-token-51e0c9d7a2' } });

function problemsOf(text) {
  try {
    load(text);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems.map((p) => [p.line, p.path, p.message, p.hint]);
  }
  assert.fail('expected the config to be invalid');
}

test('off unless asked: no push, no /metrics, and the defaults', () => {
  const config = load('apis: []\ntelemetry:\n  endpoint: http://collector:4318/v1/traces\n');
  assert.deepEqual(config.telemetry.metrics, { otlp: false, interval: 60_000, topClients: 10 });
  assert.equal(otlpEndpoint(config.telemetry), undefined);
});

test('otlp: true pushes beside the traces with their headers; a URL pushes there; the token is a secret', () => {
  const beside = load(['apis: []', 'telemetry:', '  endpoint: https://user:pw-77@collector:4318/v1/traces', '  metrics:', '    otlp: true', '    interval: 15s', '    prometheus: { token: "${TOKEN}" }', ''].join('\n'));
  assert.equal(otlpEndpoint(beside.telemetry), 'https://user:pw-77@collector:4318/v1/metrics');
  assert.equal(beside.telemetry.metrics.interval, 15_000);
  assert.doesNotMatch(secretsOf(beside).secrets.mask('scraped with scrape-token-51e0c9d7a2'), /scrape-token/);
  const elsewhere = load('apis: []\ntelemetry:\n  metrics: { otlp: "http://metrics:4318/v1/metrics" }\n');
  assert.equal(otlpEndpoint(elsewhere.telemetry), 'http://metrics:4318/v1/metrics');
});

test('otlp: true with no traces endpoint to stand beside, and a /metrics with neither token nor port, are problems at their lines', () => {
  assert.deepEqual(problemsOf('apis: []\ntelemetry:\n  metrics:\n    otlp: true\n    prometheus: { host: 0.0.0.0 }\n'), [
    [4, 'telemetry.metrics.otlp', 'metrics are to go to the collector of telemetry.endpoint, which is not set', 'write the metrics endpoint instead of true, e.g. otlp: http://collector:4318/v1/metrics'],
    [5, 'telemetry.metrics.prometheus', '/metrics would be open to anyone who can reach the server', 'give it a token (scrapers send Authorization: Bearer <token>), or a port of its own on a private interface'],
  ]);
  assert.deepEqual(problemsOf('apis: []\ntelemetry:\n  endpoint: http://collector:4318/traces\n  metrics:\n    otlp: true\n').map((p) => p.slice(0, 3)), [
    [5, 'telemetry.metrics.otlp', 'telemetry.endpoint does not end in /v1/traces, so the metrics endpoint beside it is not known'],
  ]);
});
