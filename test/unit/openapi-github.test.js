// GitHub's whole REST API (@octokit/openapi, 1,200+ operations): every operation named, names unique and
// valid, the cache gives the same group, and a sample of operations called against a local upstream
// arrives with the right method, path and query.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { isIdentifier } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';

const SPEC = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const logger = createLogger({ level: 'silent', format: 'text' });

let cacheDir;
let upstream;
let origin;
const wire = [];
let spec;
let group;

before(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'atp-github-cache-'));
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      wire.push({ method: req.method, url: req.url });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${upstream.address().port}`;
  spec = JSON.parse(await readFile(SPEC, 'utf8'));
  group = await loadGithub();
});

after(async () => {
  upstream.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function loadGithub() {
  return loadOpenApiGroup(
    { type: 'openapi', name: 'github', spec: SPEC, baseUrl: origin, timeout: 10000, concurrency: 8, retries: 0 },
    { logger, configDir: process.cwd() },
    { cacheDir },
  );
}

function operations() {
  const out = [];
  for (const [route, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) if (item[method]) out.push({ route, method, operation: item[method], pathParameters: item.parameters ?? [] });
  }
  return out;
}

test('every operation is a function with a unique, valid name', () => {
  const expected = operations();
  assert.ok(expected.length > 1000);
  assert.equal(group.tools.length, expected.length);
  const ids = group.tools.map((tool) => tool.path.join('.'));
  assert.equal(new Set(ids).size, ids.length, 'names are unique');
  const namespaces = new Set(group.tools.flatMap((tool) => tool.path.slice(0, -1).map((_, i) => tool.path.slice(0, i + 1).join('.'))));
  for (const id of ids) assert.ok(!namespaces.has(id), `${id} is both a function and a namespace`);
  for (const tool of group.tools) for (const part of tool.path) assert.ok(isIdentifier(part), `${tool.path.join('.')}: ${part} is not an identifier`);
  const byName = new Map(group.tools.map((tool) => [tool.path.join('.'), tool]));
  assert.equal(byName.get('issues.create').sourceName, 'issues/create');
  assert.equal(byName.get('repos.getContent').sourceName, 'repos/get-content');
  assert.equal(byName.get('repos.delete_').sourceName, 'repos/delete');
  assert.equal(byName.get('issues.create').description, 'Create an issue');
  assert.ok(byName.get('issues.create').annotations.keywords.includes('issues'));
});

test('a restart reads the cache and gives the same functions and schemas', async () => {
  const again = await loadGithub();
  assert.deepEqual(again.tools.map((t) => t.path.join('.')), group.tools.map((t) => t.path.join('.')));
  for (const index of [0, 100, 500, 1000]) {
    assert.deepEqual(JSON.parse(JSON.stringify(again.tools[index].inputSchema)), JSON.parse(JSON.stringify(group.tools[index].inputSchema)));
    assert.deepEqual(JSON.parse(JSON.stringify(again.tools[index].outputSchema ?? null)), JSON.parse(JSON.stringify(group.tools[index].outputSchema ?? null)));
  }
});

/** A value the schema accepts: the first branch of a union, the minimum of a range, one item of a list. */
function sample(schema, root, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return 'x';
  if (schema.$ref) return sample(root.$defs[schema.$ref.slice('#/$defs/'.length)], root, depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((v) => v !== null);
  const branch = schema.oneOf ?? schema.anyOf;
  if (branch) return sample(branch.find((b) => b.type !== 'null') ?? branch[0], root, depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => sample(part, root, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : 'string')) {
    case 'integer':
    case 'number': return Math.max(schema.minimum ?? 1, 1);
    case 'boolean': return true;
    case 'array': return Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, () => sample(schema.items, root, depth + 1));
    case 'object': return Object.fromEntries((schema.required ?? []).map((key) => [key, sample(schema.properties?.[key] ?? {}, root, depth + 1)]));
    default: {
      const candidates = [schema.format === 'date-time' ? '2024-01-02T03:04:05Z' : 'v-1 x', 'QUJD', 'abc', 'A1', '123', '2024-01-02', `sha256:${'a'.repeat(64)}`];
      return schema.pattern ? candidates.find((c) => new RegExp(schema.pattern, 'u').test(c)) ?? 'x' : candidates[0];
    }
  }
}

test('a sample of operations reaches the upstream with the right method, path and query', async () => {
  const bySource = new Map(group.tools.map((tool) => [tool.sourceName, tool]));
  const all = operations();
  const chosen = all.filter((_, i) => i % 20 === 0);
  assert.ok(chosen.length >= 60);
  for (const { route, method, operation, pathParameters } of chosen) {
    const tool = bySource.get(operation.operationId);
    const schema = tool.inputSchema;
    const input = sample({ ...schema, required: schema.required ?? [] }, schema);
    // One optional query parameter too, when there is one, so the query string is checked as well.
    const parameters = [...pathParameters, ...(operation.parameters ?? [])].map((p) => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()] : p));
    const optionalQuery = parameters.find((p) => p.in === 'query' && !p.required && ['string', 'integer', 'boolean'].includes(p.schema?.type) && !p.schema.enum);
    if (optionalQuery) input[optionalQuery.name] = sample(optionalQuery.schema, schema);
    const before = wire.length;
    await tool.invoke(input, { signal: new AbortController().signal });
    assert.equal(wire.length, before + 1, `${operation.operationId}: one request`);
    const arrived = new URL(wire[wire.length - 1].url, origin);
    assert.equal(wire[wire.length - 1].method, method.toUpperCase(), operation.operationId);
    const expectedPath = route.replace(/\{([^}]+)\}/g, (_, name) => encodeURIComponent(String(input[name])));
    assert.equal(arrived.pathname, expectedPath, operation.operationId);
    for (const parameter of parameters.filter((p) => p.in === 'query' && input[p.name] !== undefined)) {
      const values = arrived.searchParams.getAll(parameter.name);
      const expected = [input[parameter.name]].flat().map(String);
      assert.deepEqual(values, expected, `${operation.operationId}: query ${parameter.name}`);
    }
  }
});
