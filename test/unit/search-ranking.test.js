// Lexical ranking on small hand-made catalogs: fields, stems, synonyms, exact names, filters, result shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../dist/catalog/index.js';
import { createSearchIndex } from '../../dist/search/index.js';
import { splitWords, stem, terms } from '../../dist/search/tokenize.js';

function tool(path, description, extra = {}) {
  return {
    path,
    sourceName: extra.sourceName ?? path.join('/'),
    description,
    inputSchema: extra.inputSchema ?? { type: 'object', properties: {} },
    annotations: { keywords: extra.keywords ?? [] },
    invoke: async () => ({}),
  };
}

function catalogOf(groups) {
  return new Catalog(Object.entries(groups).map(([name, tools]) => ({ name, kind: 'module', tools, close: async () => {} })));
}

const shop = catalogOf({
  shop: [
    tool(['orders', 'list'], 'List orders', { keywords: ['orders'] }),
    tool(['orders', 'get'], 'Get an order by its id', { inputSchema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] } }),
    tool(['orders', 'create'], 'Place a new order', { inputSchema: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } }, note: { type: 'string' } }, required: ['items'] } }),
    tool(['orders', 'cancel'], 'Cancel an order that has not shipped'),
    tool(['orders', 'update'], 'Change an order', { inputSchema: { type: 'object', properties: { status: { enum: ['open', 'closed'] } } } }),
    tool(['customers', 'delete'], 'Remove a customer account'),
    tool(['customers', 'getByEmail'], 'Look up a customer', { sourceName: 'get-customer-by-email' }),
    tool(['invoices', 'download'], 'Download an invoice as PDF'),
  ],
  mail: [tool(['send'], 'Send an email message to a customer')],
});

const ids = (results) => results.map((r) => r.id);

test('splitWords splits camelCase, acronyms, digits and separators', () => {
  assert.deepEqual(splitWords('getUserByID'), ['get', 'user', 'by', 'id']);
  assert.deepEqual(splitWords('repos/list-for-org'), ['repos', 'list', 'for', 'org']);
  assert.deepEqual(splitWords('read_file'), ['read', 'file']);
  assert.deepEqual(splitWords('HTTPServer2'), ['http', 'server', '2']);
  assert.deepEqual(splitWords('créerUnÉvénement'), ['créer', 'un', 'événement']);
});

test('stems bring plural, -ing and -ed forms together', () => {
  assert.equal(stem('repositories'), stem('repository'));
  assert.equal(stem('issues'), stem('issue'));
  assert.equal(stem('branches'), stem('branch'));
  assert.equal(stem('watching'), stem('watch'));
  assert.equal(stem('created'), stem('create'));
  assert.equal(stem('closed'), stem('close'));
  assert.equal(stem('assignees'), stem('assign'));
  assert.equal(stem('running'), stem('run'));
  assert.notEqual(stem('settings'), stem('set'), 'settings are not the verb set');
  assert.equal(stem('status'), 'status');
  assert.equal(stem('embedding'), stem('embed'));
  assert.deepEqual(terms('Get the repositories of an org'), ['get', stem('repositories'), 'org']);
});

test('a query naming the function puts it first, and the result has the wire shape', () => {
  const index = createSearchIndex(shop);
  const [first] = index.search('get order');
  assert.equal(first.id, 'shop.orders.get');
  assert.deepEqual(Object.keys(first).sort(), ['apiGroup', 'description', 'functionName', 'id', 'relevanceScore', 'signature']);
  assert.equal(first.apiGroup, 'shop');
  assert.equal(first.functionName, 'orders.get');
  assert.equal(first.description, 'Get an order by its id');
  assert.equal(first.signature, 'api.shop.orders.get(input: { orderId: string }): Promise<unknown>');
  assert.ok(first.relevanceScore > 0);
});

test('dotted and source names are exact asks', () => {
  const index = createSearchIndex(shop);
  assert.equal(index.search('orders.cancel')[0].id, 'shop.orders.cancel');
  assert.equal(index.search('api.shop.orders.update')[0].id, 'shop.orders.update');
  assert.equal(index.search('get-customer-by-email')[0].id, 'shop.customers.getByEmail');
  assert.equal(index.search('getByEmail')[0].id, 'shop.customers.getByEmail');
});

test('verb synonyms: fetch finds get, remove finds delete, make finds create, modify finds update', () => {
  const index = createSearchIndex(shop);
  assert.equal(index.search('fetch an order')[0].id, 'shop.orders.get');
  assert.equal(index.search('remove customer')[0].id, 'shop.customers.delete');
  assert.equal(index.search('make an order')[0].id, 'shop.orders.create');
  assert.equal(index.search('modify order')[0].id, 'shop.orders.update');
});

test('plural and inflected query words match', () => {
  const index = createSearchIndex(shop);
  assert.equal(index.search('listing all orders')[0].id, 'shop.orders.list');
  assert.equal(index.search('cancelled order')[0].id, 'shop.orders.cancel');
  assert.equal(index.search('invoices')[0].id, 'shop.invoices.download');
});

test('parameter names and enum values are searchable', () => {
  const index = createSearchIndex(shop);
  assert.ok(ids(index.search('close an order')).slice(0, 2).includes('shop.orders.update'), 'enum value "closed" and the close hint lead to update');
  assert.equal(index.search('order items note')[0].id, 'shop.orders.create');
});

test('description words rank functions whose names do not contain them', () => {
  const index = createSearchIndex(shop);
  assert.equal(index.search('pdf')[0].id, 'shop.invoices.download');
  assert.equal(index.search('email message')[0].id, 'mail.send');
});

test('apiGroups restricts to groups or namespaces; maxResults caps; filter admits', () => {
  const index = createSearchIndex(shop);
  assert.deepEqual(ids(index.search('customer', { apiGroups: ['mail'] })), ['mail.send']);
  assert.ok(ids(index.search('customer', { apiGroups: ['shop.customers'] })).every((id) => id.startsWith('shop.customers.')));
  assert.equal(index.search('order', { maxResults: 2 }).length, 2);
  assert.ok(index.search('order').length > 2);
  assert.ok(!ids(index.search('order', { filter: (entry) => entry.id !== 'shop.orders.list' })).includes('shop.orders.list'));
  assert.deepEqual(index.search('order', { apiGroups: ['nope'] }), []);
});

test('no match, stopwords only and empty queries answer nothing', () => {
  const index = createSearchIndex(shop);
  assert.deepEqual(index.search('kangaroo'), []);
  assert.deepEqual(index.search('the of a'), []);
  assert.deepEqual(index.search(''), []);
});

test('results come best first with strictly positive scores', () => {
  const index = createSearchIndex(shop);
  const results = index.search('order');
  for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].relevanceScore >= results[i].relevanceScore);
  assert.ok(results.every((r) => r.relevanceScore > 0));
});

test('the default result count comes from the index options', () => {
  const index = createSearchIndex(shop, { maxResults: 3 });
  assert.equal(index.search('order').length, 3);
  assert.equal(index.search('order', { maxResults: 1 }).length, 1);
});

test('an empty catalog searches without error', () => {
  const index = createSearchIndex(new Catalog([]));
  assert.equal(index.size, 0);
  assert.deepEqual(index.search('anything'), []);
});

test('the index follows catalog changes (an MCP server adding a tool) on the next query', () => {
  const listeners = new Set();
  const group = {
    name: 'live', kind: 'mcp', close: async () => {},
    tools: [tool(['ping'], 'Answer pong')],
    onChange(listener) { listeners.add(listener); return () => listeners.delete(listener); },
  };
  const catalog = new Catalog([group]);
  const index = createSearchIndex(catalog);
  assert.deepEqual(index.search('weather forecast'), []);
  group.tools = [...group.tools, tool(['forecast'], 'Weather forecast for a city')];
  for (const listener of listeners) listener();
  assert.equal(index.size, 2);
  assert.equal(index.search('weather forecast')[0].id, 'live.forecast');
});

test('a deprecated function ranks below its replacement', () => {
  const catalog = catalogOf({
    files: [
      tool(['readFile'], 'Read the complete contents of a file as text. DEPRECATED: Use read_text_file instead.'),
      tool(['readTextFile'], 'Read the complete contents of a file from the file system as text.'),
    ],
  });
  assert.deepEqual(ids(createSearchIndex(catalog).search('read a file')), ['files.readTextFile', 'files.readFile']);
});

test('a huge query is answered from its first words, without error', () => {
  const index = createSearchIndex(shop);
  const query = `cancel order ${'lorem ipsum dolor '.repeat(20000)}`;
  assert.equal(index.search(query)[0].id, 'shop.orders.cancel');
});
