// `atp validate --connect` through the real binary on OpenAPI groups: a good spec reports its functions; broken
// ones (invalid YAML, dangling $ref in the document or in another file, unreachable URL) fail, each line
// naming the group and the cause.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAtp } from './serve-harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = path.join(REPO, 'test/fixtures/openapi');
let dir;
let closedPort;

const atp = (args, env) => runAtp(args, { cwd: dir, env });

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atp-openapi-validate-'));
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = server.address().port;
  await new Promise((resolve) => server.close(resolve));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a good OpenAPI group loads, is counted, and its converted spec is cached', async () => {
  await writeFile(path.join(dir, 'good.yaml'), `apis:
  - name: shop
    type: openapi
    spec: ${path.join(FIXTURES, 'shop.yaml')}
    baseUrl: http://127.0.0.1:9/v1
  - name: pets
    type: openapi
    spec: ${path.join(FIXTURES, 'swagger2.json')}
`);
  const run = await atp(['validate', '--connect', '-c', 'good.yaml'], { XDG_CACHE_HOME: path.join(dir, 'cache') });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^ {2}ok {4}shop: 17 functions in \d+ ms$/m);
  assert.match(run.stdout, /^ {2}ok {4}pets: 3 functions in \d+ ms$/m);
  const cached = (await readdir(path.join(dir, 'cache/atp/openapi'))).filter((name) => name.startsWith('model-'));
  assert.equal(cached.length, 1, 'swagger2.json is cached (shop.yaml has external $refs and is not)');
});

test('broken specs fail validate --connect, each naming its group and the cause', async () => {
  await writeFile(path.join(dir, 'broken.yaml'), `apis:
  - name: badYaml
    type: openapi
    spec: ${path.join(FIXTURES, 'broken.yaml')}
  - name: danglingRef
    type: openapi
    spec: ${path.join(FIXTURES, 'dangling.yaml')}
  - name: danglingFile
    type: openapi
    spec: ${path.join(FIXTURES, 'dangling-external.yaml')}
  - name: unreachable
    type: openapi
    spec: http://127.0.0.1:${closedPort}/openapi.json
    timeout: 2s
  - name: fine
    type: openapi
    spec: ${path.join(FIXTURES, 'openapi31.yaml')}
`);
  const run = await atp(['validate', '--connect', '-c', 'broken.yaml'], { ATP_CACHE_DIR: path.join(dir, 'cache2') });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /^ {2}FAIL {2}badYaml: the spec .*broken\.yaml is not valid YAML at line 3, column \d+: .+$/m);
  assert.match(run.stdout, /^ {2}FAIL {2}danglingRef: \$ref "#\/components\/schemas\/Missing" at .* points to nothing; check the spelling or add the missing definition$/m);
  assert.match(run.stdout, /^ {2}FAIL {2}danglingFile: cannot resolve a \$ref of the spec .*dangling-external\.yaml: .*nowhere\.yaml.*$/m);
  assert.match(run.stdout, new RegExp(`^ {2}FAIL {2}unreachable: cannot fetch the spec http://127\\.0\\.0\\.1:${closedPort}/openapi\\.json: connection refused; check the URL and that the server is up$`, 'm'));
  assert.match(run.stdout, /^ {2}ok {4}fine: 5 functions in \d+ ms$/m);
  assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');

  const json = await atp(['validate', '--connect', '--json', '-c', 'broken.yaml'], { ATP_CACHE_DIR: path.join(dir, 'cache2') });
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.equal(report.valid, false);
  assert.deepEqual(report.groups.map((g) => [g.name, g.ok]), [['badYaml', false], ['danglingRef', false], ['danglingFile', false], ['unreachable', false], ['fine', true]]);
});
