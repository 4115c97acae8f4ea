// OpenAPI groups through a real `atp serve`: agent code calls api.github.* and api.shop.* against a local
// upstream (what arrives on the wire, errors seen by the code), definitions over HTTP compile, and the
// auth secret stays out of the daemon's log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startAtp, call, openSession } from './serve-harness.js';
import { startUpstream } from '../fixtures/openapi/upstream.js';

const require = createRequire(import.meta.url);
const GITHUB_SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');
const TOKEN = 'ghp_e2e-secret-token-123456';
let upstream;
let atp;
let session;
let cacheDir;

before(async () => {
  upstream = await startUpstream();
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'atp-openapi-serve-cache-'));
  atp = await startAtp({
    apis: [
      { name: 'github', type: 'openapi', spec: GITHUB_SPEC, baseUrl: upstream.origin, auth: { type: 'bearer', token: '${GH_TOKEN}' } },
      { name: 'shop', type: 'openapi', spec: path.join(ROOT, 'test/fixtures/openapi/shop.yaml'), baseUrl: `${upstream.origin}/v1`, retries: 0 },
    ],
    logging: { level: 'debug' },
  }, { env: { GH_TOKEN: TOKEN, ATP_CACHE_DIR: cacheDir } });
  session = await openSession(atp.url);
});

after(async () => {
  await atp?.stop();
  await upstream?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const execute = (code) => call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });

test('agent code calls GitHub operations; method, path, query, body and auth arrive at the upstream', async () => {
  const { status, body } = await execute(`
    const created = await api.github.issues.create({ owner: 'octo', repo: 'hello', title: 'Bug', labels: ['bug'] });
    const listed = await api.github.issues.listForRepo({ owner: 'octo', repo: 'hello', state: 'open', per_page: 5 });
    return { created: { method: created.method, path: created.path, body: JSON.parse(created.body) }, listed: { path: listed.path, query: listed.query } };
  `);
  assert.equal(status, 200);
  assert.equal(body.status, 'completed', JSON.stringify(body.error));
  assert.deepEqual(body.result, {
    created: { method: 'POST', path: '/repos/octo/hello/issues', body: { title: 'Bug', labels: ['bug'] } },
    listed: { path: '/repos/octo/hello/issues', query: 'state=open&per_page=5' },
  });
  const wire = upstream.requests.filter((r) => r.path === '/repos/octo/hello/issues');
  assert.equal(wire.length, 2);
  assert.ok(wire.every((r) => r.headers.authorization === `Bearer ${TOKEN}`));
});

test('an upstream error reaches the code as an Error with the status; invalid input fails before any request', async () => {
  const caught = await execute(`
    try { await api.shop.status.get({ code: 404 }); return 'no error'; }
    catch (error) { return { message: error.message, status: error.status }; }
  `);
  assert.equal(caught.body.status, 'completed', JSON.stringify(caught.body.error));
  assert.equal(caught.body.result.status, 404, 'the status travels with the error');
  assert.match(caught.body.result.message, /shop\.status\.get \(GET \/status\/\{code\}\): HTTP 404 Not Found: \{"message":"status 404"/);

  const before = upstream.requests.length;
  const invalid = await execute(`return await api.github.issues.create({ owner: 'octo', titel: 'typo' });`);
  assert.notEqual(invalid.body.status, 'completed');
  assert.match(invalid.body.error.message, /missing required field "repo"/);
  assert.match(invalid.body.error.message, /unknown field "titel" \(did you mean "title"\?\)/);
  assert.equal(upstream.requests.length, before);
});

test('definitions over HTTP: the index by default, full signatures for a namespace, both valid TypeScript', async () => {
  const index = await call(`${atp.url}/api/definitions`, { headers: session.headers });
  assert.equal(index.status, 200);
  assert.match(index.body.typescript, /^\/\/ Index of api\.\*: 1\d\d\d functions in 2 groups/m);
  const issues = await call(`${atp.url}/api/definitions?apiGroups=github.issues`, { headers: session.headers });
  assert.match(issues.body.typescript, /\/\*\* Create an issue \*\/ create\(input: \{/);
  assert.doesNotMatch(issues.body.typescript, /\bshop: \{/);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-openapi-serve-tsc-'));
  try {
    await writeFile(path.join(dir, 'index.ts'), `${index.body.typescript}\nexport {};\n`);
    await writeFile(path.join(dir, 'issues.ts'), `${issues.body.typescript}\nexport {};\nasync function use() { const i = await api.github.issues.get({ owner: 'o', repo: 'r', issue_number: 1 }); return i.title; }\n`);
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: [], module: 'es2022' }, files: ['index.ts', 'issues.ts'] }));
    const tsc = await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')]).catch((error) => error);
    assert.equal(`${tsc.stdout}${tsc.stderr}`, '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the bearer token never appears in the daemon log', () => {
  assert.match(atp.stderr(), /upstream call/, 'debug logging of calls was on');
  assert.ok(!atp.stderr().includes(TOKEN));
});
