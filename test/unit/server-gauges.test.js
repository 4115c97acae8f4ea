// src/server's gauges across generations, read through the real Prometheus exporter: the executions and isolates of
// every generation alive are summed, a retired generation's isolates stay counted as built, and recording calls
// reach the daemon's metrics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromText } from '../../dist/config/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { createMetrics } from '../../dist/telemetry/index.js';
import { GenerationGauges } from '../../dist/server/gauges.js';

const logger = createLogger({ level: 'silent', format: 'text' });

function source(running, built, clients) {
  return {
    executions: () => ({ running, queued: 0, paused: 0 }),
    clients: () => new Map(clients),
    isolates: () => ({ warm: 1, live: 1 + running, built }),
  };
}

/** The value of a sample in Prometheus text (the first line of that name). */
function sample(text, name) {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  assert.ok(line, `${name} in:\n${text}`);
  return Number(line.split(' ').at(-1));
}

test('gauges sum the generations alive; a retired one stays counted among isolates built; recordings pass through', async () => {
  const config = configFromText('telemetry: { metrics: { prometheus: { token: gauges-test-token-0123456789 } } }\napis: []\n', { filepath: '/tmp/atp.yaml', cwd: '/tmp' });
  const metrics = createMetrics(config.telemetry, { logger, version: 'test' });
  try {
    const gauges = new GenerationGauges(metrics);
    const first = gauges.forGeneration(metrics);
    const second = gauges.forGeneration(metrics);
    first.metrics.watch(source(2, 5, [['cli_a', 2]]));
    second.metrics.watch(source(1, 3, [['cli_a', 1]]));
    second.metrics.executionEnded('completed', 12, 3);
    let text = await metrics.scrape();
    assert.equal(sample(text, 'atp_executions_running'), 3, 'both generations run executions');
    assert.equal(sample(text, 'atp_isolates_built_total'), 8);
    assert.match(text, /atp_executions_total\{[^}]*status="completed"[^}]*\} 1/, 'a recording reaches the daemon metrics');
    first.retire();
    text = await metrics.scrape();
    assert.equal(sample(text, 'atp_executions_running'), 1, 'the retired generation runs nothing');
    assert.equal(sample(text, 'atp_isolates_built_total'), 8, 'isolates it built stay counted');
  } finally {
    await metrics.close();
  }
});
