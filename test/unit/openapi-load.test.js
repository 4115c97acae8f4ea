// Loading OpenAPI documents: naming rules, Swagger 2.0 / 3.0 / 3.1, $refs (internal, file, circular),
// include/exclude, the spec cache, and broken specs failing with the group and the cause.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, copyFile, mkdir, utimes } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { assignOperationPaths } from '../../dist/catalog/loaders/openapi/naming.js';
import { loadGroup, GroupLoadError } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi');
const logger = createLogger({ level: 'silent', format: 'text' });
const ctx = { logger, configDir: FIXTURES };
const group = (spec, extra = {}) => ({ type: 'openapi', name: 'g', spec, timeout: 5000, concurrency: 4, retries: 0, ...extra });
const load = (spec, extra, options = { cacheDir: false }) => loadOpenApiGroup(group(spec, extra), ctx, options);
const names = (loaded) => loaded.tools.map((tool) => tool.path.join('.'));

test('naming: separators nest, words camelCase, reserved words and digits are fixed, collisions get suffixes', () => {
  const paths = assignOperationPaths([
    { operationId: 'issues/create', method: 'post', path: '/x' },
    { operationId: 'repos/get-content', method: 'get', path: '/x' },
    { operationId: 'Pets.List', method: 'get', path: '/x' },
    { operationId: 'repos/delete', method: 'delete', path: '/x' },
    { operationId: '2fa/enable', method: 'post', path: '/x' },
    { operationId: 'get-user', method: 'get', path: '/x' },
    { operationId: 'getUser', method: 'get', path: '/x' },
    { operationId: 'get_user', method: 'get', path: '/x' },
    { operationId: 'issues', method: 'get', path: '/x' },
    { operationId: 'constructor', method: 'get', path: '/x' },
    { method: 'get', path: '/users/{userId}/notes' },
    { method: 'post', path: '/v1/pets' },
    { operationId: '  ', method: 'get', path: '/' },
  ]);
  assert.deepEqual(paths.map((p) => p.join('.')), [
    'issues.create', 'repos.getContent', 'pets.list', 'repos.delete_', '_2fa.enable', 'getUser', 'getUser2', 'getUser3',
    'issues2', 'constructor_', 'getUsersByUserIdNotes', 'postV1Pets', 'get',
  ]);
  assert.deepEqual(assignOperationPaths([{ operationId: 'a/b', method: 'get', path: '/' }, { operationId: 'a', method: 'get', path: '/' }]).map((p) => p.join('.')), ['a.b', 'a2'],
    'a namespace keeps its name whatever the document order');
});

test('OpenAPI 3.0 in YAML with external file $refs, bundled and flattened', async () => {
  const loaded = await load(path.join(FIXTURES, 'shop.yaml'), { baseUrl: 'http://127.0.0.1:9/v1' });
  assert.equal(loaded.name, 'g');
  assert.equal(loaded.kind, 'openapi');
  assert.equal(loaded.description, 'Test Shop');
  const replace = loaded.tools.find((t) => t.sourceName === 'items/replace');
  assert.deepEqual(Object.keys(replace.inputSchema.properties), ['itemId', 'name', 'price', 'color', 'dimensions']);
  assert.deepEqual(replace.inputSchema.required, ['itemId', 'name'], 'the readOnly id is neither asked for nor required');
  const create = loaded.tools.find((t) => t.sourceName === 'items/create');
  assert.deepEqual(create.inputSchema.properties.body.required, ['id', 'name'], 'the schema says what an answer has');
  assert.equal(create.checkInput({ body: { name: 'Lamp' } }), undefined, 'a readOnly property is not asked of a body kept whole');
  assert.match(String(create.checkInput({ body: { id: 'x' } })), /invalid input: missing "name" in "body"$/);
  assert.deepEqual(replace.inputSchema.properties.price, { type: 'number', exclusiveMinimum: 0 }, 'exclusiveMinimum: true became 2020-12');
  assert.deepEqual(replace.inputSchema.properties.color, { type: ['string', 'null'], enum: ['red', 'green', 'blue', null] }, 'nullable became a type list');
  const width = JSON.stringify(replace.inputSchema).includes('"width"');
  assert.ok(width, 'the file referenced from the external file was resolved too');
  const params = loaded.tools.find((t) => t.sourceName === 'items/get').inputSchema.properties;
  assert.equal(params.itemId.description, 'The item.', 'path-level parameters apply to every method');
});

test('circular schemas stay finite: shared under $defs and serialisable', async () => {
  const loaded = await load(path.join(FIXTURES, 'shop.yaml'), { baseUrl: 'http://127.0.0.1:9/v1' });
  const tree = loaded.tools.find((t) => t.sourceName === 'tree/get');
  assert.deepEqual(tree.outputSchema.$ref, '#/$defs/Node');
  const node = tree.outputSchema.$defs.Node;
  assert.equal(node.properties.parent.$ref, '#/$defs/Node');
  assert.equal(node.properties.children.items.$ref, '#/$defs/Node');
  assert.ok(JSON.stringify(tree.outputSchema).length < 1000);
  assert.deepEqual(Object.keys(tree.outputSchema.$defs), ['Node'], 'only what the schema reaches');
});

test('Swagger 2.0: host and basePath, body and formData parameters, collectionFormat, definitions', async () => {
  const loaded = await load(path.join(FIXTURES, 'swagger2.json'));
  assert.deepEqual(names(loaded), ['listPets', 'addPet', 'uploadPhoto']);
  const list = loaded.tools[0];
  assert.deepEqual(list.inputSchema.properties.limit, { type: 'integer', minimum: 1, exclusiveMaximum: 100 });
  assert.equal(list.outputSchema.items.$ref, '#/$defs/Pet');
  assert.deepEqual(list.outputSchema.$defs.Pet.properties.owner, { anyOf: [{ $ref: '#/$defs/Person' }, { type: 'null' }] });
  const add = loaded.tools[1];
  assert.deepEqual(add.inputSchema.required, ['name'], 'the body parameter was flattened');
  const upload = loaded.tools[2];
  assert.deepEqual(Object.keys(upload.inputSchema.properties), ['petId', 'caption', 'file']);
  assert.deepEqual(upload.inputSchema.required, ['petId', 'caption']);
  assert.deepEqual(upload.outputSchema, { type: 'object', properties: { ok: { type: 'boolean' } } }, 'a $ref response resolved');
});

test('OpenAPI 3.1: type lists, const, prefixItems, $ref siblings, content parameters, names from odd operationIds', async () => {
  const loaded = await load(path.join(FIXTURES, 'openapi31.yaml'));
  assert.deepEqual(names(loaded), ['reports.get', 'reports.create', 'getPing', 'delete_', '_2fa.enable']);
  const get = loaded.tools[0];
  assert.deepEqual(get.inputSchema.properties.id, { type: ['string', 'integer'] });
  assert.deepEqual(get.outputSchema.$ref, '#/$defs/Report');
  assert.equal(get.outputSchema.description, 'The report, with a sibling keyword');
  assert.ok(!('examples' in get.outputSchema.$defs.Report.properties.title), 'examples are dropped');
  const create = loaded.tools[1];
  assert.deepEqual(create.inputSchema.properties.kind, { const: 'daily' });
  assert.deepEqual(create.inputSchema.properties.tags.prefixItems, [{ type: 'string' }, { type: 'integer' }]);
  assert.deepEqual(loaded.tools[2].outputSchema, { type: 'null' }, 'a 204-only operation returns null');
});

test('include and exclude by tag, operationId glob, method and path glob', async () => {
  const shop = (filters) => load(path.join(FIXTURES, 'shop.yaml'), { baseUrl: 'http://127.0.0.1:9/v1', ...filters });
  assert.deepEqual(names(await shop({ include: { tags: ['ITEMS'] } })), ['items.get', 'items.replace', 'items.delete_', 'items.create']);
  assert.deepEqual(names(await shop({ include: { operations: ['status/*', 'tree.*'] } })), ['status.get', 'status.post', 'tree.get']);
  assert.deepEqual(names(await shop({ include: { paths: ['/items/*'] }, exclude: { methods: ['DELETE'] } })), ['items.get', 'items.replace']);
  const all = await shop({});
  const withoutGets = await shop({ exclude: { methods: ['get'] } });
  assert.ok(withoutGets.tools.every((t) => !t.annotations.readOnly));
  assert.equal(withoutGets.tools.length, all.tools.length - all.tools.filter((t) => t.annotations.readOnly).length);
  assert.deepEqual(names(await shop({ include: { operations: ['items/*'] }, exclude: { operations: ['items/delete'] } })), ['items.get', 'items.replace', 'items.create'],
    'filters never rename what remains');
});

test('details for search: the whole description and the tags\' descriptions as plain text; the description stays short', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-openapi-details-'));
  try {
    const spec = path.join(dir, 'spec.json');
    await writeFile(spec, JSON.stringify({
      openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'http://127.0.0.1:1' }],
      tags: [{ name: 'stars', description: 'People who **bookmarked** a repository.' }, { name: 'plain' }],
      paths: {
        '/stargazers': { get: { operationId: 'stargazers/list', tags: ['stars'], summary: 'List stargazers',
          description: 'Lists the people that have [starred](https://docs.example/stars) the repository.\n\nUse `per_page` to page.' } },
        '/ping': { get: { operationId: 'ping', tags: ['plain'], summary: 'Ping' } },
        '/same': { get: { operationId: 'same', description: 'Only a description' } },
      },
    }));
    const loaded = await load(spec);
    const [stargazers, ping, same] = loaded.tools;
    assert.equal(stargazers.description, 'List stargazers');
    assert.equal(stargazers.details, 'Lists the people that have starred the repository. Use per page to page.\n\nPeople who bookmarked a repository.');
    assert.equal(ping.details, undefined, 'nothing beyond the summary');
    assert.equal(same.description, 'Only a description');
    assert.equal(same.details, undefined, 'a description already shown whole is not repeated');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the model is cached under the spec hash, and a changed spec is read again', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-openapi-cache-'));
  try {
    const spec = path.join(dir, 'spec.json');
    await copyFile(path.join(FIXTURES, 'swagger2.json'), spec);
    const first = await load(spec, {}, { cacheDir: dir });
    const models = async () => (await readdir(path.join(dir, 'openapi'))).filter((name) => name.startsWith('model-'));
    const notes = async () => (await readdir(path.join(dir, 'openapi'))).filter((name) => name.startsWith('file-'));
    const entries = await models();
    assert.equal(entries.length, 1);
    assert.match(entries[0], /^model-v\d+-[0-9a-f]{64}\.json$/);
    assert.equal((await notes()).length, 1, 'a note maps the file version to its hash');
    assert.match(await (await import('node:fs/promises')).readFile(path.join(dir, 'openapi', entries[0]), 'latin1'), /^[\x20-\x7e]*$/, 'the model is stored as ASCII');
    const second = await load(spec, {}, { cacheDir: dir });
    assert.deepEqual(names(second), names(first));
    assert.deepEqual(second.tools[1].inputSchema, first.tools[1].inputSchema);
    const changed = JSON.parse(await (await import('node:fs/promises')).readFile(spec, 'utf8'));
    changed.paths['/pets'].get.operationId = 'pets/list';
    await writeFile(spec, JSON.stringify(changed));
    assert.deepEqual(names(await load(spec, {}, { cacheDir: dir })), ['pets.list', 'addPet', 'uploadPhoto'], 'a changed file is read again');
    assert.equal((await models()).length, 2);
    assert.equal((await notes()).length, 1, 'one note per file, updated');

    const stale = path.join(dir, 'openapi', `${entries[0].replace(/-[0-9a-f]{64}\.json$/, '')}-${'0'.repeat(64)}.json`);
    await writeFile(stale, '{}');
    const old = new Date(Date.now() - 40 * 24 * 3600_000);
    await utimes(stale, old, old);
    await writeFile(path.join(dir, 'openapi', `model-v0-${'1'.repeat(64)}.json`), '{}');
    changed.paths['/pets'].get.operationId = 'pets/all';
    await writeFile(spec, JSON.stringify(changed));
    await load(spec, {}, { cacheDir: dir });
    assert.equal((await models()).length, 3, 'a write prunes old formats and entries unused for 30 days');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a spec from a URL, with its relative server resolved against the URL', async () => {
  const text = JSON.stringify({ openapi: '3.0.0', info: { title: 'Remote', version: '1' }, servers: [{ url: '/api/v2' }], paths: { '/a': { get: { operationId: 'a', responses: { 200: { description: 'ok' } } } } } });
  const server = createServer((req, res) => {
    if (req.url === '/spec.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    const loaded = await load(`${origin}/spec.json`);
    assert.deepEqual(await loaded.tools[0].invoke({}, { signal: new AbortController().signal }), { path: '/api/v2/a' });
  } finally {
    server.close();
  }
});

test('broken specs fail with the group name and the cause', async () => {
  const failure = async (spec, extra = {}) => {
    try {
      await loadGroup(group(spec, { name: 'broken', ...extra }), ctx);
    } catch (error) {
      assert.ok(error instanceof GroupLoadError);
      assert.equal(error.group, 'broken');
      return error.message;
    }
    assert.fail(`${spec} loaded`);
  };
  assert.match(await failure(path.join(FIXTURES, 'broken.yaml')), /broken\.yaml is not valid YAML at line 3, column \d+/);
  assert.match(await failure(path.join(FIXTURES, 'dangling.yaml')), /\$ref "#\/components\/schemas\/Missing" at #\/paths\/~1x\/get\/responses\/200\/content\/application~1json\/schema points to nothing/);
  assert.match(await failure(path.join(FIXTURES, 'dangling-external.yaml')), /cannot resolve a \$ref of the spec .*dangling-external\.yaml: .*nowhere\.yaml/);
  assert.match(await failure(path.join(FIXTURES, 'not-openapi.json')), /is not an OpenAPI document: it has no "openapi" or "swagger" version field/);
  assert.match(await failure(path.join(FIXTURES, 'missing.yaml')), /cannot read the spec .*missing\.yaml: no such file/);
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  assert.match(await failure(`http://127.0.0.1:${port}/spec.json?token=secret`), new RegExp(`cannot fetch the spec http://127\\.0\\.0\\.1:${port}/spec\\.json: connection refused`));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-openapi-relative-'));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 's.json'), JSON.stringify({ openapi: '3.0.0', info: { title: 'R', version: '1' }, servers: [{ url: '/v1' }], paths: { '/a': { get: { responses: { 200: { description: 'ok' } } } } } }));
    assert.match(await failure(path.join(dir, 's.json')), /the spec's server URL "\/v1" is relative and the spec is a file; set baseUrl in the group/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
