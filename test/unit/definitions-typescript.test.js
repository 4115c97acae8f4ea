// TypeScript definitions of api.* for OpenAPI, MCP-like, module and client tools: valid TypeScript (checked
// with tsc --noEmit, including calls that must and must not type-check), shared types once, filters, modes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { Catalog } from '../../dist/catalog/index.js';
import { generateDefinitions, functionSignature } from '../../dist/definitions/index.js';
import { createLogger } from '../../dist/logging/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const logger = createLogger({ level: 'silent', format: 'text' });
let dir;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atp-definitions-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Compiles each text as its own module (so each may declare `api`) in one tsc run; returns tsc's output. */
export async function compile(files) {
  const names = [];
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(dir, `${name}.ts`), `${text}\nexport {};\n`);
    names.push(`${name}.ts`);
  }
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: [], module: 'es2022' }, files: names }));
  try {
    await promisify(execFile)(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')], { maxBuffer: 16 * 1024 * 1024 });
    return '';
  } catch (error) {
    return `${error.stdout}${error.stderr}` || error.message;
  }
}

const tool = (path, schemas, extra = {}) => ({ path, sourceName: path.join('/'), description: `Does ${path.join(' ')}`, annotations: {}, invoke: async () => null, ...schemas, ...extra });

async function mixedCatalog() {
  const shop = await loadOpenApiGroup(
    { type: 'openapi', name: 'shop', spec: path.join(FIXTURES, 'shop.yaml'), baseUrl: 'http://127.0.0.1:9/v1', timeout: 1000, concurrency: 1, retries: 0 },
    { logger, configDir: FIXTURES },
    { cacheDir: false },
  );
  const mcp = {
    name: 'files', kind: 'mcp', description: 'An MCP server', close: async () => {},
    tools: [
      tool(['readFile'], {
        inputSchema: { type: 'object', properties: { path: { type: 'string', description: 'Where */ the file is' }, 'X-Trace': { type: 'string' }, 'a b': { type: 'integer' } }, required: ['path'] },
        outputSchema: { type: 'object', properties: { content: { type: 'array', items: { $ref: '#/definitions/Block' } } }, definitions: { Block: { type: 'object', properties: { type: { const: 'text' }, text: { type: 'string' } }, required: ['type'] } } },
      }),
      tool(['tree'], {
        inputSchema: { type: 'object', properties: { root: { $ref: '#' }, depth: { type: ['integer', 'null'] }, pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false } } },
        outputSchema: { $ref: '#/$defs/Node', $defs: { Node: { type: 'object', properties: { name: { type: 'string' }, kids: { type: 'array', items: { $ref: '#/$defs/Node' } } }, required: ['name'] } } },
      }),
      tool(['delete'], {
        inputSchema: { type: 'object', properties: { mode: { enum: ['soft', 'hard'] }, tags: { type: 'object', additionalProperties: { type: 'string' } }, both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'number' } } }] }, either: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } }, additionalProperties: false },
        outputSchema: true,
      }),
    ],
  };
  const promise = {
    name: 'promise', kind: 'module', close: async () => {},
    tools: [tool(['record'], { inputSchema: { type: 'object', properties: { r: { $ref: '#/$defs/Record' } }, $defs: { Record: { type: 'object', properties: { id: { type: 'string' } } } } } })],
  };
  const mod = {
    name: 'text', kind: 'module', close: async () => {},
    tools: [tool(['upper'], { inputSchema: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'] }, outputSchema: { type: 'object', properties: { value: { type: 'string' } } } }, { outputInferred: true })],
  };
  return new Catalog([shop, mcp, mod, promise]);
}

const clientTools = [
  { name: 'askUser', description: 'Ask the user a question', inputSchema: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] } },
  { name: 'pick', namespace: 'ui', description: 'Pick one', inputSchema: { type: 'object', properties: { options: { type: 'array', items: { type: 'string' } } } }, outputSchema: { type: 'string' } },
];

test('full definitions of every kind of tool compile, and calls type-check against them', async () => {
  const catalog = await mixedCatalog();
  const text = generateDefinitions(catalog, { mode: 'full', clientTools });
  assert.match(text, /declare const api: \{/);
  assert.match(text, /\/\*\* Get an item \*\/ get\(input: \{/);
  assert.match(text, /"X-Trace"\?: string; "a b"\?: number/, 'keys that are not identifiers are quoted');
  assert.match(text, /\/\*\* Where \*\\\/ the file is \*\/ path: string/, 'a comment terminator in a description is escaped');
  assert.match(text, /upper\(input: \{ s: string \}\): Promise<\/\*\* inferred from observed results \*\/ \{ value\?: string \}>/);
  assert.match(text, /client: \{\n\s+\/\*\* Ask the user a question \*\/ askUser\(input: \{ question: string \}\): Promise<unknown>;/);
  assert.match(text, /ui: \{\n\s+\/\*\* Pick one \*\/ pick\(input\?: \{ options\?: string\[\] \}\): Promise<string>;/);
  assert.equal(text.match(/type Node = /g).length, 2, 'Node once in Shop, once in Files');
  assert.equal(text.match(/type Echo = /g).length, 1, 'Echo is shared by many shop functions and declared once');
  const usage = `
async function use() {
  const item = await api.shop.items.get({ itemId: '1', tags: ['a'], 'X-Trace-Id': 't' });
  const method: string | undefined = item.method;
  const tree = await api.shop.tree.get();
  const name: string | undefined = tree.children?.[0]?.parent?.name;
  await api.shop.items.replace({ itemId: '1', name: 'n', color: null, dimensions: { width: 1 } });
  await api.shop.items.create({ body: { name: 'n' } });
  await api.shop.uploads.create({ file: { base64: 'AA==', filename: 'a.txt' } });
  const node = await api.files.tree({ root: { depth: 1 }, pair: ['a', 1] });
  const kid: string = node.kids?.[0].name ?? node.name;
  await api.files.delete({ mode: 'soft', tags: { a: 'b' }, both: { a: 'x', b: 1 }, either: ['x'] });
  const answer: string = await api.ui.pick({ options: ['a'] });
  const record: Promise<unknown> = api.promise.record({ r: { id: 'x' } });
  await api.client.askUser({ question: 'ok?' });
  // @ts-expect-error itemId is required
  await api.shop.items.get({});
  // @ts-expect-error color is an enum
  await api.shop.items.replace({ itemId: '1', name: 'n', color: 'purple' });
  // @ts-expect-error unknown function
  await api.shop.items.nope();
  return [method, name, kid, answer];
}`;
  const output = await compile({ mixed: text + usage });
  assert.equal(output, '', output);
});

test('filters select groups, namespaces or functions; the index lists names and one-line descriptions', async () => {
  const catalog = await mixedCatalog();
  const items = generateDefinitions(catalog, { filter: ['shop.items'] });
  assert.match(items, /items: \{/);
  assert.doesNotMatch(items, /notes|files|readFile/);
  const one = generateDefinitions(catalog, { filter: ['files.tree', 'text'] });
  assert.match(one, /tree\(input\?:/);
  assert.match(one, /upper\(/);
  assert.doesNotMatch(one, /readFile|shop/);
  assert.equal(generateDefinitions(catalog, { filter: ['nothing'] }).includes('get('), false);

  const index = generateDefinitions(catalog, { mode: 'index', clientTools });
  assert.match(index, /^\/\/ Index of api\.\*: 24 functions in 6 groups\./);
  assert.match(index, / get: F; \/\/ Get an item\n/);
  assert.match(index, / files: \{ \/\/ An MCP server\n/);
  assert.doesNotMatch(index, /type Echo|itemId/, 'no signatures in the index');
  const output = await compile({ index: `${index}\nasync function use() { return api.shop.items.get({ itemId: '1' }); }` });
  assert.equal(output, '', output);
});

test('auto mode: full signatures for a small catalog, and the same text again from the cache', async () => {
  const catalog = await mixedCatalog();
  const auto = generateDefinitions(catalog);
  assert.equal(auto, generateDefinitions(catalog, { mode: 'full' }));
  assert.equal(generateDefinitions(catalog), auto);
});

test('functionSignature is one line with shared types by the names the full definitions declare', async () => {
  const catalog = await mixedCatalog();
  const signature = functionSignature(catalog.get('shop.items.get'));
  assert.doesNotMatch(signature, /\n/);
  assert.match(signature, /^api\.shop\.items\.get\(input: \{ itemId: string; verbose\?: boolean; tags\?: string\[\]; ids\?: number\[\]; filter\?: \{ color\?: string; size\?: number \}; "X-Trace-Id"\?: string; session\?: string \}\): Promise<Shop\.Echo>$/);
  const full = generateDefinitions(catalog, { mode: 'full' });
  for (const entry of catalog.entries()) {
    for (const [, namespace, type] of functionSignature(entry).matchAll(/\b([A-Z]\w*)\.([A-Z]\w*)\b/g)) {
      assert.match(full, new RegExp(`declare namespace ${namespace} \\{[^]*?\\n  type ${type} = `), `${entry.id}: ${namespace}.${type} is declared`);
    }
  }
  assert.equal(functionSignature(catalog.get('files.delete')).startsWith('api.files.delete(input?: {'), true);
  assert.equal(functionSignature({ path: ['client', 'askUser'], description: '', inputSchema: clientTools[0].inputSchema }), 'api.client.askUser(input: { question: string }): Promise<unknown>');
});

test('a required readOnly field is required in answers and optional in calls; a writeOnly one the reverse', async () => {
  const spec = { // the query parameter `name` keeps the body whole, under `body`, so its shared type shows
    openapi: '3.0.3', info: { title: 'Pets', version: '1' },
    paths: {
      '/pets': { post: { operationId: 'pets/create', parameters: [{ name: 'name', in: 'query', schema: { type: 'string' } }], requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } }, responses: { 201: { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } } } },
      '/pets/{id}': { get: { operationId: 'pets/get', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'the pet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Owner' } } } } } } },
    },
    components: { schemas: {
      Pet: { type: 'object', required: ['id', 'name', 'secret'], properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' }, secret: { type: 'string', writeOnly: true } } },
      Owner: { type: 'object', required: ['pets'], properties: { pets: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } } },
    } },
  };
  await writeFile(path.join(dir, 'pets.json'), JSON.stringify(spec));
  const group = await loadOpenApiGroup(
    { type: 'openapi', name: 'pets', spec: path.join(dir, 'pets.json'), baseUrl: 'http://127.0.0.1:9', timeout: 1000, concurrency: 1, retries: 0 },
    { logger, configDir: dir },
    { cacheDir: false },
  );
  const catalog = new Catalog([group]);
  const text = generateDefinitions(catalog, { mode: 'full' });
  assert.match(text, /type Pet = \{ id: string; name: string; secret\?: string \};/, 'an answer has the readOnly id; the writeOnly secret is never sent back');
  assert.match(text, /type PetInput = \{ id\?: string; name: string; secret: string \};/);
  assert.match(text, /create\(input: \{ name\?: string; body: Pets\.PetInput \}\): Promise<Pets\.Pet>;/);
  assert.match(functionSignature(catalog.get('pets.pets.create')), /\(input: \{ name\?: string; body: Pets\.PetInput \}\): Promise<Pets\.Pet>$/, 'search shows the same names');
  assert.equal(catalog.get('pets.pets.create').tool.checkInput({ body: { name: 'Rex', secret: 's' } }), undefined, 'the input check does not ask for the id');
  const usage = `
async function use() {
  const pet = await api.pets.pets.create({ body: { name: 'Rex', secret: 's' } });
  const id: string = pet.id;
  const owner = await api.pets.pets.get({ id });
  const first: string = owner.pets[0].id;
  // @ts-expect-error the secret is asked for
  await api.pets.pets.create({ body: { name: 'Rex' } });
  return first;
}`;
  const output = await compile({ pets: text + usage });
  assert.equal(output, '', output);
});
