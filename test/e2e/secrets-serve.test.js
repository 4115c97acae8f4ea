// The gateway's secrets never reach agent code or the daemon's log: a real MCP server that prints its token on
// stderr and answers with it, and a real upstream on 127.0.0.1 that echoes the request, behind `atp serve`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGroup } from '../../dist/catalog/index.js';
import '../../dist/catalog/loaders/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { Secrets } from '../../dist/secrets/index.js';
import { call, openSession, startAtp } from './serve-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const stdioServer = path.join(here, '../fixtures/mcp/stdio-server.js');
const MCP_TOKEN = 'mcp-token-0a1b2c3d4e5f';
const BEARER = 'upstream-bearer-9z8y7x6w';
const HEADER_KEY = 'header-key-5544332211';

let dir;
let upstream;
let origin;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atp-secrets-'));
  writeFileSync(path.join(dir, 'echo.json'), JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'echo', version: '1' },
    paths: { '/echo': { get: { operationId: 'echo', responses: { 200: { description: 'the request as received', content: { 'application/json': { schema: {} } } } } } } },
  }));
  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ headers: req.headers, url: req.url }));
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${upstream.address().port}`;
});
after(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const leakyMcp = () => ({ name: 'local', type: 'mcp', command: process.execPath, args: [stdioServer], env: { LEAKY: '1', API_TOKEN: MCP_TOKEN } });

test('atp serve: secrets are masked in answers from OpenAPI and MCP, in errors, and in the log (text and JSON)', async () => {
  for (const format of ['text', 'json']) {
    const atp = await startAtp({
      apis: [
        leakyMcp(),
        { name: 'echo', type: 'openapi', spec: path.join(dir, 'echo.json'), baseUrl: origin, auth: { type: 'bearer', token: BEARER }, headers: { 'X-Api-Key': HEADER_KEY } },
      ],
      logging: { level: 'debug', format },
    }, { timeoutMs: 60_000 });
    try {
      const session = await openSession(atp.url);
      const code = `
        const who = await api.local.whoami({});
        let failed;
        try { await api.local.whoami({ fail: true }); } catch (error) { failed = error.message; }
        const echo = await api.echo.echo({});
        return { who, failed, echo };`;
      const { status, body } = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });
      assert.equal(status, 200);
      assert.equal(body.status, 'completed', JSON.stringify(body));
      const text = JSON.stringify(body);
      for (const secret of [MCP_TOKEN, BEARER, HEADER_KEY]) assert.ok(!text.includes(secret), `${secret} reached agent code: ${text}`);
      assert.deepEqual(body.result.who, { token: '[redacted]', env: { API_TOKEN: '[redacted]' } });
      assert.match(body.result.failed, /token \[redacted\] was refused/);
      assert.equal(body.result.echo.headers.authorization, 'Bearer [redacted]');
      assert.equal(body.result.echo.headers['x-api-key'], '[redacted]');
      await atp.stop();
      const log = atp.stderr();
      assert.match(log, /connecting with token \[redacted\]/, 'the MCP server\'s stderr line is in the log, masked');
      for (const secret of [MCP_TOKEN, BEARER, HEADER_KEY]) assert.ok(!log.includes(secret), `${secret} is in the ${format} log`);
      if (format === 'json') for (const line of log.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
    } finally {
      await atp.stop();
    }
  }
});

test('an MCP tool\'s progress messages are masked before they reach the caller', async () => {
  const secrets = new Secrets();
  secrets.add(MCP_TOKEN);
  const logger = createLogger({ level: 'silent', format: 'text', secrets });
  const group = await loadGroup({ ...leakyMcp(), timeout: 10_000, concurrency: 4, lazy: false }, { logger, configDir: dir, secrets });
  try {
    const whoami = group.tools.find((tool) => tool.path.join('.') === 'whoami');
    const progress = [];
    const result = await whoami.invoke({}, { signal: new AbortController().signal, onProgress: (message) => progress.push(message) });
    assert.deepEqual(progress, ['checked [redacted]']);
    assert.ok(!JSON.stringify(result).includes(MCP_TOKEN));
  } finally {
    await group.close();
  }
});

test('a secret too short to be masked is named (never shown) in a warning at start-up', async () => {
  const atp = await startAtp({ apis: [{ ...leakyMcp(), env: { API_TOKEN: 'tk9' } }] }, { timeoutMs: 60_000 });
  try {
    assert.match(atp.stderr(), /apis\[0\]\.env\.API_TOKEN: shorter than 6 characters/);
    assert.ok(!/\btk9\b/.test(atp.stderr().replace(/connecting with token tk9/, '')), 'the value itself is never in the warning');
  } finally {
    await atp.stop();
  }
});
