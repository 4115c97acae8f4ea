// `atp search` and `atp definitions` through the real binary: a module group and an OpenAPI group from
// files, a fake OpenAI-compatible embeddings server on 127.0.0.1, exit codes 0/1/2 and --json shapes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(REPO, 'bin/atp.js');
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

function atp(args, { cwd, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const SHOP_MODULE = `
const object = (properties, required = []) => ({ type: 'object', properties, required });
export const listOrders = { description: 'List the orders of a customer', inputSchema: object({ customerId: { type: 'string' } }, ['customerId']), handler: () => [] };
export const getOrder = { description: 'Get an order by its id', inputSchema: object({ orderId: { type: 'string' } }, ['orderId']), handler: () => ({}) };
export const cancelOrder = { description: 'Cancel an order that has not shipped', inputSchema: object({ orderId: { type: 'string' } }, ['orderId']), handler: () => ({}) };
export const rentCar = { description: 'Rent a car for some days', inputSchema: object({ days: { type: 'integer' } }), handler: () => ({}) };
`;

const PETS_SPEC = {
  openapi: '3.0.3',
  info: { title: 'Pets', version: '1.0.0' },
  servers: [{ url: 'http://127.0.0.1:9/v1' }],
  paths: {
    '/pets': {
      get: { operationId: 'listPets', summary: 'List all pets', tags: ['pets'], responses: { 200: { description: 'ok' } } },
      post: { operationId: 'createPet', summary: 'Add a pet to the store', tags: ['pets'], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } } }, responses: { 201: { description: 'created' } } },
    },
    '/pets/{petId}': {
      delete: { operationId: 'deletePet', summary: 'Remove a pet', tags: ['pets'], parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'gone' } } },
    },
  },
};

let dir;
let embeddingsUrl;
const embeddingRequests = [];
const embeddings = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const parsed = JSON.parse(body);
    embeddingRequests.push({ authorization: req.headers.authorization, model: parsed.model, count: parsed.input.length });
    // two concepts: vehicles, and everything else
    const vector = (text) => (/\b(car|automobile|vehicle|voiture)\b/i.test(text) ? [1, 0] : [0, 1]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: parsed.input.map((text, index) => ({ index, embedding: vector(text) })) }));
  });
});

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'atp-search-cli-'));
  await writeFile(path.join(dir, 'shop.js'), SHOP_MODULE);
  await writeFile(path.join(dir, 'pets.json'), JSON.stringify(PETS_SPEC));
  const apis = 'apis:\n  - { name: shop, type: module, module: ./shop.js }\n  - { name: pets, type: openapi, spec: ./pets.json }\n';
  await writeFile(path.join(dir, 'atp.yaml'), apis);
  await writeFile(path.join(dir, 'invalid.yaml'), 'apis:\n  - { name: shop, type: module }\n');
  await writeFile(path.join(dir, 'broken-group.yaml'), 'apis:\n  - { name: pets, type: openapi, spec: ./pets.json }\n  - { name: broken, type: openapi, spec: ./broken.json }\n');
  await writeFile(path.join(dir, 'broken.json'), '{"this is": "not an OpenAPI document"}');
  await new Promise((resolve) => embeddings.listen(0, '127.0.0.1', resolve));
  embeddingsUrl = `http://127.0.0.1:${embeddings.address().port}/v1`;
  await writeFile(path.join(dir, 'semantic.yaml'), `${apis}search:\n  embeddings: { provider: openai, url: "${embeddingsUrl}", model: fake-embed, apiKey: "\${FAKE_EMBED_KEY}" }\n`);
});

after(async () => {
  await new Promise((resolve) => embeddings.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('atp search prints ranked results with id, description and signature', async () => {
  const { code, stdout, stderr } = await atp(['search', 'cancel', 'an', 'order'], { cwd: dir });
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /^1\. +shop\.cancelOrder {2}Cancel an order that has not shipped$/);
  assert.match(lines[1], /^ {4}api\.shop\.cancelOrder\(input: \{ orderId: string \}\): Promise<.*>$/);
});

test('atp search --json prints the results array in the /api/search shape', async () => {
  const { code, stdout } = await atp(['search', '--json', '-c', 'atp.yaml', 'add a pet'], { cwd: dir });
  assert.equal(code, 0);
  const results = JSON.parse(stdout);
  assert.ok(Array.isArray(results));
  assert.equal(results[0].id, 'pets.createPet');
  assert.equal(results[0].apiGroup, 'pets');
  assert.equal(results[0].functionName, 'createPet');
  assert.equal(results[0].description, 'Add a pet to the store');
  assert.match(results[0].signature, /^api\.pets\.createPet\(input: \{ name: string \}\)/);
  assert.equal(typeof results[0].relevanceScore, 'number');
});

test('--group limits loading and results; -n caps the count', async () => {
  const onlyPets = JSON.parse((await atp(['search', '--json', '-g', 'pets', 'order pet'], { cwd: dir })).stdout);
  assert.ok(onlyPets.length > 0 && onlyPets.every((r) => r.apiGroup === 'pets'));
  const one = JSON.parse((await atp(['search', '--json', '-n', '1', 'order'], { cwd: dir })).stdout);
  assert.equal(one.length, 1);
});

test('no match is not an error; it says so on stderr', async () => {
  const { code, stdout, stderr } = await atp(['search', 'kangaroo'], { cwd: dir });
  assert.equal(code, 0);
  assert.equal(stdout, '');
  assert.match(stderr, /no function matches "kangaroo"/);
  assert.deepEqual(JSON.parse((await atp(['search', '--json', 'kangaroo'], { cwd: dir })).stdout), []);
});

test('usage errors exit 2: bad -n, unknown group or namespace, empty query', async () => {
  const badN = await atp(['search', '-n', 'lots', 'order'], { cwd: dir });
  assert.equal(badN.code, 2);
  assert.match(badN.stderr, /--max-results must be a whole number from 1 to 100, not lots/);
  const unknown = await atp(['search', '-g', 'nope', 'order'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no API group named nope; the config has shop, pets/);
  const unknownJson = await atp(['search', '--json', '-g', 'nope', 'order'], { cwd: dir });
  assert.match(JSON.parse(unknownJson.stdout).error, /no API group named nope/);
  const [namespace, asDefinitions] = await Promise.all([atp(['search', '-g', 'pets.nope', 'order'], { cwd: dir }), atp(['definitions', '-g', 'pets.nope'], { cwd: dir })]);
  assert.equal(namespace.code, 2, 'a namespace no group has is a usage error, as for definitions');
  assert.equal(namespace.stderr, asDefinitions.stderr);
  const blank = await atp(['search', ' '], { cwd: dir });
  assert.equal(blank.code, 2);
});

test('config errors: unreadable exits 2, invalid exits 1 with file:line:col, never a stack', async () => {
  const missing = await atp(['search', '-c', 'nowhere.yaml', 'order'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nowhere\.yaml/);
  const invalid = await atp(['search', '-c', 'invalid.yaml', 'order'], { cwd: dir });
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /invalid\.yaml:2:\d+: /);
  assert.match(invalid.stderr, /problem.* in invalid\.yaml/);
  const invalidJson = await atp(['search', '--json', '-c', 'invalid.yaml', 'order'], { cwd: dir });
  assert.equal(invalidJson.code, 1);
  assert.ok(JSON.parse(invalidJson.stdout).problems.length > 0);
  for (const run of [missing, invalid, invalidJson]) assert.doesNotMatch(run.stderr, STACK_LINE);
});

test('a group that fails to load exits 1 naming the group', async () => {
  const { code, stderr } = await atp(['search', '-c', 'broken-group.yaml', 'pet'], { cwd: dir });
  assert.equal(code, 1);
  assert.match(stderr, /broken/);
  assert.doesNotMatch(stderr, STACK_LINE);
});

test('with search.embeddings configured, results fuse semantic similarity; --no-embeddings stays lexical', async () => {
  embeddingRequests.length = 0;
  const env = { FAKE_EMBED_KEY: 'sk-cli-test' };
  const semantic = JSON.parse((await atp(['search', '--json', '-c', 'semantic.yaml', 'voiture'], { cwd: dir, env })).stdout);
  assert.equal(semantic[0].id, 'shop.rentCar', 'no word of "voiture" is in the catalog; the embedding finds the car');
  assert.ok(embeddingRequests.length >= 2 && embeddingRequests.every((r) => r.authorization === 'Bearer sk-cli-test' && r.model === 'fake-embed'));
  embeddingRequests.length = 0;
  const lexical = JSON.parse((await atp(['search', '--json', '--no-embeddings', '-c', 'semantic.yaml', 'voiture'], { cwd: dir, env })).stdout);
  assert.deepEqual(lexical, []);
  assert.equal(embeddingRequests.length, 0);
});

test('atp definitions prints TypeScript; --index the compact index; -g selects; --json wraps it', async () => {
  const full = await atp(['definitions'], { cwd: dir });
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /declare const api/);
  assert.match(full.stdout, /createPet\(input: \{/);
  assert.match(full.stdout, /cancelOrder/);
  const index = await atp(['definitions', '--index', '-g', 'pets'], { cwd: dir });
  assert.equal(index.code, 0);
  assert.match(index.stdout, /createPet: F;/);
  assert.doesNotMatch(index.stdout, /cancelOrder/);
  const json = JSON.parse((await atp(['definitions', '--json', '-g', 'shop'], { cwd: dir })).stdout);
  assert.match(json.typescript, /cancelOrder/);
  assert.doesNotMatch(json.typescript, /createPet/);
  assert.deepEqual(json.apiGroups, ['shop']);
});

test('atp definitions: unknown names and contradictory modes are usage errors', async () => {
  const nothing = await atp(['definitions', '-g', 'pets.nope'], { cwd: dir });
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing is named pets\.nope/);
  const both = await atp(['definitions', '--index', '--full'], { cwd: dir });
  assert.equal(both.code, 2);
  const invalid = await atp(['definitions', '-c', 'invalid.yaml'], { cwd: dir });
  assert.equal(invalid.code, 1);
});
