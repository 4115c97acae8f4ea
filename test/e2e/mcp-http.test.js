// Remote MCP servers built with the SDK in this test: streamable HTTP with a bearer token, SSE-only fallback,
// the per-group cap counted at the upstream, and tools/list_changed over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { configFromText } from '../../dist/config/index.js';
import { loadGroup, Catalog, GroupLoadError } from '../../dist/catalog/index.js';
import { startMcpHttpServer } from '../fixtures/mcp/http-server.js';
import { recordingLogger, until, ctx, fn } from './mcp-helpers.js';

const token = 'test-token-5f1c';

function groupConfig(url, extra = {}) {
  return { name: 'remote', type: 'mcp', url, headers: { Authorization: `Bearer ${token}` }, timeout: 10_000, concurrency: 16, lazy: false, ...extra };
}

test('streamable HTTP: the configured headers (with ${VAR} secrets) reach the server; a wrong token is reported without leaking it', async () => {
  const server = await startMcpHttpServer({ token });
  const { logger } = recordingLogger();
  try {
    const yaml = `apis:\n  - name: remote\n    type: mcp\n    url: ${server.url}\n    headers:\n      Authorization: Bearer \${MCP_TOKEN}\n`;
    const config = configFromText(yaml, { filepath: path.join(process.cwd(), 'atp.yaml'), env: { MCP_TOKEN: token } });
    const group = await loadGroup(config.apis[0], { logger, configDir: process.cwd() });
    assert.deepEqual(await fn(group, 'whoami').invoke({}, ctx()), { mode: 'streamable' });
    assert.equal(server.state.unauthorized, 0);
    await group.close();

    const wrong = await loadGroup(groupConfig(server.url, { headers: { Authorization: 'Bearer nope-9d2e' } }), { logger, configDir: process.cwd() }).catch((e) => e);
    assert.ok(wrong instanceof GroupLoadError);
    assert.match(wrong.message, /^the MCP server at http:\/\/127\.0\.0\.1:\d+\/mcp refused the credentials \(HTTP 401\); check headers/);
    assert.ok(!wrong.message.includes('nope-9d2e'));
    assert.ok(server.state.unauthorized >= 1);
  } finally {
    await server.close();
  }
});

test('an answer above the size limit fails its call at once with the reason; the session goes on', async () => {
  const server = await startMcpHttpServer({ token });
  const { logger } = recordingLogger();
  const group = await loadGroup(groupConfig(server.url), { logger, configDir: process.cwd() });
  try {
    // the reason, not the group's 10 s timeout: the error answer was made for this request
    await assert.rejects(fn(group, 'blob').invoke({ bytes: 65 * 1024 * 1024 }, ctx()), /api\.remote\.blob: .*the MCP server at http:\/\/127\.0\.0\.1:\d+\/mcp sent a message of more than 67108864 bytes, above the limit for one answer; ask it for less/);
    assert.equal((await fn(group, 'blob').invoke({ bytes: 100_000 }, ctx())).length, 100_000);
    assert.deepEqual(await fn(group, 'whoami').invoke({}, ctx()), { mode: 'streamable' });
  } finally {
    await group.close();
    await server.close();
  }
});

test('a server that only speaks SSE is reached through the fallback', async () => {
  const server = await startMcpHttpServer({ token, mode: 'sse' });
  const { logger } = recordingLogger();
  try {
    const group = await loadGroup(groupConfig(server.url), { logger, configDir: process.cwd() });
    assert.deepEqual(await fn(group, 'whoami').invoke({}, ctx()), { mode: 'sse' });
    await group.close();
  } finally {
    await server.close();
  }
});

test('the cap: 200 parallel calls against a group capped at 4 never have more than 4 in flight at the upstream', async () => {
  const server = await startMcpHttpServer({ token });
  const { logger } = recordingLogger();
  const group = await loadGroup(groupConfig(server.url, { concurrency: 4 }), { logger, configDir: process.cwd() });
  try {
    const hold = fn(group, 'hold');
    const calls = Array.from({ length: 200 }, (_, i) => hold.invoke({ i }, ctx()));
    let released = 0;
    while (released < 200) {
      // wait for a full batch: the cap must be reached, and any excess shows in the peak
    await until(() => server.state.waiting.length >= Math.min(4, 200 - released), 'a call to reach the upstream');
      assert.ok(server.state.inFlight <= 4, `${server.state.inFlight} in flight at the upstream`);
      const batch = server.state.waiting.splice(0);
      released += batch.length;
      for (const resolve of batch) resolve();
    }
    const results = await Promise.all(calls);
    assert.deepEqual(results.map((result) => result.i), [...Array(200).keys()]);
    assert.equal(server.state.calls, 200);
    assert.equal(server.state.peak, 4, 'the upstream saw the cap reached and never passed');
    assert.equal(group.limit.inFlight, 0);
  } finally {
    await group.close();
    await server.close();
  }
});

test('tools/list_changed over HTTP refreshes the catalog', async () => {
  const server = await startMcpHttpServer({ token });
  const { logger } = recordingLogger();
  const group = await loadGroup(groupConfig(server.url), { logger, configDir: process.cwd() });
  const catalog = new Catalog([group]);
  try {
    assert.equal(catalog.get('remote.lateArrival'), undefined);
    server.addTool('late-arrival');
    const entry = await until(() => catalog.get('remote.lateArrival'), 'the new tool');
    assert.equal(await entry.tool.invoke({}, ctx()), 'late-arrival');
  } finally {
    await catalog.close();
    await server.close();
  }
});

test('an unreachable server is reported as such', async () => {
  const server = await startMcpHttpServer({ token });
  const url = server.url;
  await server.close();
  const { logger } = recordingLogger();
  const error = await loadGroup(groupConfig(url), { logger, configDir: process.cwd() }).catch((e) => e);
  assert.ok(error instanceof GroupLoadError);
  assert.match(error.message, /^could not reach the MCP server at http:\/\/127\.0\.0\.1:\d+\/mcp: connection refused; is it running\?$/);
});
