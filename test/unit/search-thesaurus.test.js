// The product-word thesaurus (src/search/thesaurus.ts) and the query's handling of phrases, clitics and
// prefixes: what a person calls a thing finds the catalog's word for it, weighted below the word itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../dist/catalog/index.js';
import { createSearchIndex } from '../../dist/search/index.js';
import { analyzeQuery, withoutClitics } from '../../dist/search/query.js';
import { conceptSiblings, phraseSiblings } from '../../dist/search/thesaurus.js';
import { stem } from '../../dist/search/tokenize.js';

function tool(toolPath, description) {
  return {
    path: toolPath,
    sourceName: toolPath.join('/'),
    description,
    inputSchema: { type: 'object', properties: {} },
    annotations: { keywords: [] },
    invoke: async () => ({}),
  };
}

const indexOf = (tools) => createSearchIndex(new Catalog([{ name: 'shop', kind: 'module', tools, close: async () => {} }]));
const ids = (results) => results.map((r) => r.id);

test('the thesaurus links product words both ways, below the word itself', () => {
  assert.ok(conceptSiblings(stem('basket')).get(stem('cart')) >= 0.5);
  assert.ok(conceptSiblings(stem('cart')).get(stem('basket')) >= 0.5);
  assert.ok(conceptSiblings(stem('ticket')).get(stem('issue')) < 1);
  assert.equal(conceptSiblings(stem('cart')).has(stem('cart')), false, 'a word is not its own sibling');
  assert.ok(phraseSiblings(['sign', 'out'].map(stem)).has(stem('logout')), 'a phrase finds the compound a catalog writes');
  assert.equal(phraseSiblings(['pull', 'request'].map(stem))?.has(stem('merge')) ?? false, false, 'a pull request is not a merge');
  assert.ok(phraseSiblings(['merge', 'request'].map(stem)).has(stem('pull')), 'a merge request is a pull request');
});

test('a product word finds the function named in the catalog\'s word', () => {
  const index = indexOf([
    tool(['cart', 'delete'], 'Delete the cart'),
    tool(['cart', 'read'], 'Read the cart with its totals'),
    tool(['customer', 'logout'], 'Log the customer out'),
    tool(['product', 'list'], 'List products'),
  ]);
  assert.equal(ids(index.search('empty the basket'))[0], 'shop.cart.delete');
  assert.equal(ids(index.search('sign the shopper out'))[0], 'shop.customer.logout');
  assert.equal(ids(index.search('articles'))[0], 'shop.product.list');
});

test('a catalog that uses the asked word ranks it above its sibling', () => {
  const index = indexOf([
    tool(['cart', 'read'], 'Read the cart'),
    tool(['basket', 'read'], 'Read the basket'),
  ]);
  assert.deepEqual(ids(index.search('basket')), ['shop.basket.read', 'shop.cart.read']);
  assert.deepEqual(ids(index.search('cart')), ['shop.cart.read', 'shop.basket.read']);
});

test('a possessive or a contraction leaves no one-letter word behind', () => {
  assert.equal(withoutClitics("someone's phone"), 'someone phone');
  assert.equal(withoutClitics("don't stop"), 'do not stop');
  assert.equal(withoutClitics("can't log in"), 'can not log in');
  const vocabulary = ['phone', 'second', 'someone'];
  const terms = analyzeQuery("someone's phone", { has: (t) => vocabulary.includes(t), vocabulary });
  assert.deepEqual(terms.map((t) => t.word), ['someone', 'phone']);
});

test('a word the catalog uses means itself, not the longer words it starts', () => {
  const vocabulary = ['report', 'repo'].sort();
  const [repo] = analyzeQuery('repo', { has: (t) => vocabulary.includes(t), vocabulary });
  assert.equal(repo.variants.has('report'), false);
  const [notif] = analyzeQuery('notif', { has: (t) => ['notification'].includes(t), vocabulary: ['notification'] });
  assert.ok(notif.variants.has('notification'), 'a word the catalog lacks still finds the words it starts');
});

test('a compound the catalog writes as one word stands for its words', () => {
  const index = indexOf([
    tool(['members', 'signup'], 'Start a membership'),
    tool(['signs', 'list'], 'List the signs on the door'),
  ]);
  assert.equal(ids(index.search('sign up'))[0], 'shop.members.signup');
  assert.equal(ids(index.search('signs'))[0], 'shop.signs.list');
});
