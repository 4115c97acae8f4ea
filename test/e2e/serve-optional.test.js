// Degraded start, against the real `atp serve`: an optional group whose upstream is down does not stop it, /readyz
// names the group, and once the upstream appears the group loads in the background and becomes callable; a group
// that is not optional still fails start-up; /readyz reports a state store that went down (a real redis-server).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { compatApis } from './compat-fixtures.js';
import { until } from './mcp-helpers.js';
import { call, failingAtp, freePort, openSession, startAtp, startRedis } from './serve-harness.js';
import { serviceMissing } from '../services.js';

/** An OpenAPI upstream on `port` describing itself at /openapi.json, with one operation: GET /weather. */
async function startWeather(port) {
  const spec = {
    openapi: '3.0.3',
    info: { title: 'Weather', version: '1.0.0' },
    servers: [{ url: `http://127.0.0.1:${port}` }],
    paths: {
      '/weather': {
        get: {
          operationId: 'current',
          summary: 'The weather now',
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { sky: { type: 'string' } } } } } } },
        },
      },
    },
  };
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(req.url === '/openapi.json' ? spec : { sky: 'clear' }));
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

const execute = (atp, session, code) => call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });

test('an optional group whose upstream is down: the server starts without it, /readyz names it, and it becomes callable when the upstream appears', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const [demo] = compatApis('http://127.0.0.1:9');
  const weather = { name: 'weather', type: 'openapi', spec: `http://127.0.0.1:${port}/openapi.json`, optional: true };
  const atp = await startAtp({ apis: [demo, weather] });
  let upstream;
  try {
    const said = atp.stderr().match(/API group 'weather' is optional and failed to load/g) ?? [];
    assert.equal(said.length, 1, `one line says so:\n${atp.stderr()}`);
    const degraded = await call(`${atp.url}/readyz`);
    assert.equal(degraded.status, 200, 'degraded is still ready for traffic');
    assert.equal(degraded.body.status, 'degraded');
    assert.deepEqual(degraded.body.missingGroups, ['weather']);
    assert.equal(degraded.body.stateStore, 'ok');
    const session = await openSession(atp.url);
    assert.equal((await execute(atp, session, 'return typeof api.weather')).body.result, 'undefined');
    assert.equal((await execute(atp, session, 'return (await api.demo.add({ a: 1, b: 2 })).sum')).body.result, 3, 'the other groups serve');

    upstream = await startWeather(port);
    const ready = await until(async () => {
      const answer = await call(`${atp.url}/readyz`);
      return answer.body.status === 'ready' && answer;
    }, 'the optional group to load in the background', 60_000);
    assert.deepEqual(ready.body.missingGroups, []);
    assert.match(atp.stderr(), /API group 'weather' \(optional\) loaded: 1 function/);
    const called = await execute(atp, session, 'return (await api.weather.current()).sky');
    assert.equal(called.body.status, 'completed', JSON.stringify(called.body));
    assert.equal(called.body.result, 'clear');
    const definitions = await call(`${atp.url}/api/definitions`, { headers: session.headers });
    assert.ok(definitions.body.apiGroups.includes('weather'), 'definitions list it');
    const found = await call(`${atp.url}/api/search`, { method: 'POST', headers: session.headers, body: { query: 'weather now' } });
    assert.equal(found.body.results[0]?.apiGroup, 'weather', 'search finds it');
  } finally {
    await atp.stop();
    await upstream?.close();
  }
});

test('a group that is not optional and fails to load still fails start-up', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const { code, stderr } = await failingAtp({ apis: [{ name: 'weather', type: 'openapi', spec: `http://127.0.0.1:${port}/openapi.json` }] });
  assert.equal(code, 1);
  assert.match(stderr, /API group 'weather' failed to load/);
});

test('/readyz answers 503 while the state store is down', { timeout: 120_000 }, async (t) => {
  const redis = await startRedis();
  if (!redis) return serviceMissing(t, 'redis-server');
  const [demo] = compatApis('http://127.0.0.1:9');
  const atp = await startAtp({ state: { store: redis.url }, apis: [demo] });
  try {
    const up = await call(`${atp.url}/readyz`);
    assert.equal(up.status, 200);
    assert.deepEqual(up.body, { status: 'ready', functions: 4, missingGroups: [], stateStore: 'ok' });
    await redis.stop();
    const down = await call(`${atp.url}/readyz`);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'unavailable');
    assert.ok(['unreachable', 'timeout'].includes(down.body.stateStore), JSON.stringify(down.body));
    assert.doesNotMatch(JSON.stringify(down.body), /127\.0\.0\.1|redis:/, 'no address of the store in the answer');
    const health = await call(`${atp.url}/healthz`);
    assert.equal(health.status, 200, 'the process itself is alive');
  } finally {
    await atp.stop();
    await redis.stop();
  }
});
