// Semantic search against a real OpenAI-compatible embeddings server on 127.0.0.1 that answers
// deterministic vectors (words mapped to concepts), fused with lexical ranking. The queries that only
// embeddings answer are in words no English lexicon links to the catalog's (WordNet finds "automobile").

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Catalog } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { createSearchIndex, openAiEmbedder } from '../../dist/search/index.js';

const DIMENSIONS = 16;
const CONCEPTS = [
  ['car', 'cars', 'automobile', 'vehicle', 'rent', 'hire', 'voiture', 'mietwagen'],
  ['weather', 'forecast', 'rain', 'precipitation', 'temperature'],
  ['money', 'charge', 'card', 'payment', 'billing', 'pay'],
  ['email', 'mail', 'message', 'send', 'letter'],
  ['hotel', 'room', 'booking', 'lodging', 'stay', 'herberge'],
];

/** Deterministic "embedding": one dimension per concept, the rest hashed, so synonyms land close. */
function fakeEmbedding(text) {
  const vector = new Array(DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().split(/[^a-z]+/).filter(Boolean)) {
    const concept = CONCEPTS.findIndex((words) => words.includes(word));
    if (concept >= 0) vector[concept] += 1;
    else vector[CONCEPTS.length + ([...word].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) % (DIMENSIONS - CONCEPTS.length))] += 0.2;
  }
  return vector;
}

const requests = [];
let failWith = 0;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const parsed = JSON.parse(body);
    requests.push({ url: req.url, authorization: req.headers.authorization, body: parsed });
    if (failWith) {
      res.writeHead(failWith, { 'content-type': 'application/json' }).end('{"error":{"message":"model overloaded"}}');
      return;
    }
    const data = parsed.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) }));
    // answer out of order: the client must place vectors by index
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: data.reverse(), model: parsed.model }));
  });
});

let url;
before(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/v1`;
});
after(() => new Promise((resolve) => server.close(resolve)));

function tool(path, description) {
  return { path, sourceName: path.join('_'), description, inputSchema: { type: 'object', properties: {} }, annotations: {}, invoke: async () => ({}) };
}

const catalog = new Catalog([
  { name: 'travel', kind: 'module', close: async () => {}, tools: [
    tool(['cars', 'rent'], 'Rent a car for some days'),
    tool(['hotels', 'book'], 'Book a hotel room'),
  ] },
  { name: 'weather', kind: 'module', close: async () => {}, tools: [tool(['forecast'], 'Forecast for a city')] },
  { name: 'billing', kind: 'module', close: async () => {}, tools: [tool(['charge'], 'Charge a card')] },
  { name: 'mail', kind: 'module', close: async () => {}, tools: [tool(['send'], 'Send an email')] },
]);

function indexWith(extra = {}) {
  const lines = [];
  const logger = createLogger({ level: 'warn', format: 'json', write: (line) => lines.push(JSON.parse(line)) });
  const index = createSearchIndex(catalog, {
    embeddings: { provider: 'openai', url, model: 'fake-embed', apiKey: 'sk-test-secret', dimensions: DIMENSIONS },
    logger,
    ...extra,
  });
  return { index, lines };
}

test('semantic search finds what no word of the query names, and sends model, key and dimensions', async () => {
  requests.length = 0;
  const { index } = indexWith();
  assert.equal(index.semantic, true);
  assert.deepEqual(index.search('voiture mietwagen'), [], 'lexical ranking alone finds nothing');
  const results = await index.searchAsync('voiture mietwagen');
  assert.equal(results[0].id, 'travel.cars.rent');
  assert.equal(results[0].functionName, 'cars.rent');
  assert.ok(results[0].relevanceScore > 0);
  assert.equal((await index.searchAsync('precipitation'))[0].id, 'weather.forecast');
  assert.ok(requests.every((r) => r.url === '/v1/embeddings' && r.authorization === 'Bearer sk-test-secret'));
  assert.ok(requests.every((r) => r.body.model === 'fake-embed' && r.body.dimensions === DIMENSIONS));
  const catalogRequests = requests.filter((r) => r.body.input.length === catalog.size);
  assert.equal(catalogRequests.length, 1, 'the catalog is embedded once for all queries');
  assert.match(catalogRequests[0].body.input.find((t) => t.startsWith('travel.cars.rent')), /Rent a car/);
});

test('concurrent first queries share one catalog embedding; a repeated query is cached', async () => {
  requests.length = 0;
  const { index } = indexWith();
  await Promise.all([index.searchAsync('herberge'), index.searchAsync('letter'), index.searchAsync('herberge')]);
  assert.equal(requests.filter((r) => r.body.input.length === catalog.size).length, 1);
  const queryRequests = () => requests.filter((r) => r.body.input.length === 1).map((r) => r.body.input[0]);
  const before = queryRequests().length;
  const again = await index.searchAsync('herberge');
  assert.equal(again[0].id, 'travel.hotels.book');
  assert.equal(queryRequests().length, before, 'no new request for a query seen before');
});

test('fusion keeps lexical hits and adds semantic ones', async () => {
  const { index } = indexWith();
  const ids = (await index.searchAsync('send payment', { maxResults: 5 })).map((r) => r.id);
  assert.ok(ids.includes('mail.send'), 'lexical: "send" names mail.send');
  assert.ok(ids.includes('billing.charge'), 'semantic: "payment" is about charging a card');
  assert.ok(ids.indexOf('mail.send') < 2 && ids.indexOf('billing.charge') < 2);
});

test('apiGroups and maxResults apply to semantic results', async () => {
  const { index } = indexWith();
  const results = await index.searchAsync('automobile', { apiGroups: ['weather', 'mail'] });
  assert.ok(results.every((r) => r.apiGroup === 'weather' || r.apiGroup === 'mail'));
  assert.ok(!results.some((r) => r.id === 'travel.cars.rent'));
  assert.equal((await index.searchAsync('automobile', { maxResults: 2 })).length, 2);
});

test('useEmbeddings: false answers lexically without calling the endpoint', async () => {
  requests.length = 0;
  const { index } = indexWith();
  assert.deepEqual(await index.searchAsync('voiture mietwagen', { useEmbeddings: false }), []);
  assert.equal((await index.searchAsync('send email', { useEmbeddings: false }))[0].id, 'mail.send');
  assert.equal(requests.length, 0);
});

test('a failing endpoint degrades to lexical ranking with one warning that names no secret', async () => {
  failWith = 500;
  try {
    const { index, lines } = indexWith();
    const results = await index.searchAsync('send email');
    assert.deepEqual(results, index.search('send email'));
    assert.equal((await index.searchAsync('voiture')).length, 0);
    assert.equal(lines.length, 1, 'one warning, not one per query');
    assert.equal(lines[0].level, 'warn');
    assert.match(lines[0].error, /HTTP 500/);
    assert.doesNotMatch(JSON.stringify(lines), /sk-test-secret/);
  } finally {
    failWith = 0;
  }
});

test('without embeddings configured, searchAsync is the lexical ranking', async () => {
  const index = createSearchIndex(catalog, { embeddings: { provider: 'none' } });
  assert.equal(index.semantic, false);
  assert.deepEqual(await index.searchAsync('voiture', { useEmbeddings: true }), []);
  assert.equal((await index.searchAsync('rent a car'))[0].id, 'travel.cars.rent');
});

test('the embedder batches, orders by index and rejects malformed answers', async () => {
  const embedder = openAiEmbedder({ url: `${url}/`, model: 'batch-model' }, { batchSize: 2 });
  const vectors = await embedder.embed(['car', 'rain', 'card', 'mail', 'room']);
  const mine = requests.filter((r) => r.body.model === 'batch-model');
  assert.deepEqual(mine.map((r) => r.body.input.length), [2, 2, 1], '5 texts in batches of 2');
  assert.equal(mine[0].authorization, undefined, 'no key configured, no Authorization header');
  assert.deepEqual(vectors.map((v) => v.indexOf(Math.max(...v))), [0, 1, 2, 3, 4]);
  for (const v of vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit length');
  const broken = openAiEmbedder({ url: 'http://127.0.0.1:1/v1', model: 'm', apiKey: 'sk-nope' });
  await assert.rejects(broken.embed(['x']), (error) => /embeddings request to http:\/\/127\.0\.0\.1:1 failed/.test(error.message) && !/sk-nope/.test(error.message));
});

test('after a catalog change only new or changed functions are embedded', async () => {
  const listeners = new Set();
  const group = {
    name: 'live', kind: 'mcp', close: async () => {}, tools: [tool(['rent'], 'Rent a car'), tool(['charge'], 'Charge a card')],
    onChange(listener) { listeners.add(listener); return () => listeners.delete(listener); },
  };
  const live = new Catalog([group]);
  const index = createSearchIndex(live, { embeddings: { provider: 'openai', url, model: 'refresh-model' } });
  await index.warmUp();
  group.tools = [...group.tools, tool(['forecast'], 'Forecast the weather')];
  for (const listener of listeners) listener();
  assert.equal((await index.searchAsync('precipitation'))[0].id, 'live.forecast');
  const inputs = requests.filter((r) => r.body.model === 'refresh-model').map((r) => r.body.input);
  assert.deepEqual(inputs.map((input) => input.length), [2, 1, 1], 'two at warm-up, then the new one and the query');
  assert.ok(inputs[1][0].startsWith('live.forecast') || inputs[2][0].startsWith('live.forecast'));
});

test('a query that spells a function name keeps it first after fusion', async () => {
  const hotels = new Catalog([{ name: 'hotels', kind: 'module', close: async () => {}, tools: [
    tool(['book'], 'Book a room in one of the hotels'),
    tool(['list'], 'List hotels'),
    tool(['rate'], 'Rate a stay'),
  ] }]);
  // an embedder that disagrees: everything but hotels.book sits on the query's axis
  const embedder = { embed: async (texts) => texts.map((text) => Float32Array.from(text.startsWith('hotels.book:') ? [0, 1] : [1, 0])) };
  const index = createSearchIndex(hotels, { embedder });
  const withoutRule = (await index.searchAsync('hotels list')).map((r) => r.id);
  assert.equal(withoutRule[0], 'hotels.list', 'an ordinary query is fused as usual');
  assert.equal((await index.searchAsync('hotels.book'))[0].id, 'hotels.book');
  assert.equal((await index.searchAsync('book'))[0].id, 'hotels.book', 'the leaf name alone is a name too');
});

test('a server\'s index (embedInBackground): warm-up does not wait for the catalog, queries are lexical until it is embedded, then fused', async () => {
  const held = [];
  const slow = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => held.push(() => {
      const { input } = JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: input.map((text, index) => ({ index, embedding: fakeEmbedding(text) })) }));
    }));
  });
  await new Promise((resolve) => slow.listen(0, '127.0.0.1', resolve));
  try {
    const index = createSearchIndex(catalog, {
      embeddings: { provider: 'openai', url: `http://127.0.0.1:${slow.address().port}/v1`, model: 'slow', dimensions: DIMENSIONS },
      embedInBackground: true,
    });
    await index.warmUp(); // returns while the catalog's embedding is held by the endpoint
    await until(() => held.length === 1, 'the catalog to be sent for embedding');
    assert.deepEqual(await index.searchAsync('voiture'), [], 'lexical while the catalog is being embedded');
    assert.deepEqual(await index.searchAsync('send email'), index.search('send email'));
    held.shift()(); // the catalog's vectors arrive
    // once they are in, a query asks for its own vector: answered, it is fused
    let fused;
    await until(async () => {
      fused = index.searchAsync('voiture');
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (held.length === 1) return true;
      assert.deepEqual(await fused, [], 'lexical until the vectors are in');
      return false;
    }, 'a query to be sent for embedding');
    held.shift()();
    assert.equal((await fused)[0]?.id, 'travel.cars.rent');
  } finally {
    for (const answer of held) answer();
    await new Promise((resolve) => slow.close(resolve));
  }
});

test('a server\'s index does not wait long for a query\'s vector: an endpoint that hangs leaves the query lexical', async () => {
  let hang = false;
  const hung = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (hang) return; // never answers
      const { input } = JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: input.map((text, index) => ({ index, embedding: fakeEmbedding(text) })) }));
    });
  });
  await new Promise((resolve) => hung.listen(0, '127.0.0.1', resolve));
  try {
    const index = createSearchIndex(catalog, {
      embeddings: { provider: 'openai', url: `http://127.0.0.1:${hung.address().port}/v1`, model: 'hung', dimensions: DIMENSIONS },
      embedInBackground: true,
    });
    await index.warmUp();
    await until(async () => (await index.searchAsync('voiture')).length > 0, 'the catalog to be embedded');
    hang = true;
    // a query not seen before: its vector never comes, the answer is the lexical one, long before the request's own 30 s timeout
    assert.deepEqual(await index.searchAsync('mietwagen today'), index.search('mietwagen today'));
  } finally {
    hung.closeAllConnections?.();
    await new Promise((resolve) => hung.close(resolve));
  }
});

async function until(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
