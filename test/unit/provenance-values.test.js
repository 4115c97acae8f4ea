// The value index behind provenance: what counts as carrying a labelled value, and what does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueIndex, programLiterals } from '../../dist/policy/provenance/index.js';

const label = { origin: 'tool:crm.get', readers: new Set(['ada@example.com']) };
const hows = (index, value) => index.find(value).map((match) => match.how);

function indexed(value) {
  const index = new ValueIndex(16);
  index.add(value, label);
  return index;
}

test('equal values of any length, numbers as numbers or text; field names are not data', () => {
  const index = indexed({ id: 7, code: 'ok', account: 'x' });
  assert.deepEqual(hows(index, 7), ['equal']);
  assert.deepEqual(hows(index, '7'), ['equal']);
  assert.deepEqual(hows(index, 'ok'), ['equal']);
  assert.deepEqual(hows(index, 8), []);
  assert.deepEqual(hows(index, 'Your account is ready'), [], 'a key is a field name, not restricted data');
});

test('whole values as words inside text, case ignored; never inside a word', () => {
  const index = indexed({ name: 'Acme', city: 'New York', account: 48213902 });
  assert.deepEqual(hows(index, 'Ship to ACME today'), ['words']);
  assert.deepEqual(hows(index, 'moving to new york soon'), ['words']);
  assert.deepEqual(hows(index, 'acct #48213902.'), ['words']);
  assert.deepEqual(hows(index, 'Acmeville is a town'), []);
  assert.deepEqual(hows(index, 'renewal at newyorker.com'), []);
  assert.deepEqual(hows(index, 'account 148213902'), []);
});

test('runs of minMatch normalised characters, forwards, reversed, in base64 and in JSON', () => {
  const notes = 'Prefers contact after 6pm; account flagged for manual review';
  const index = indexed({ notes });
  assert.ok(hows(index, `x ${notes.slice(5, 25)} y`).includes('fragment'));
  assert.ok(hows(index, notes.split(' ').join('_').toUpperCase()).includes('fragment'));
  assert.ok(hows(index, [...notes].reverse().join('')).includes('reversed'));
  assert.ok(hows(index, Buffer.from(notes).toString('base64')).includes('base64'));
  assert.ok(hows(index, JSON.stringify({ a: notes.slice(0, 30) })).length > 0);
  assert.deepEqual(hows(index, notes.slice(0, 12)), [], 'shorter than minMatch');
  assert.deepEqual(hows(index, 'A completely unrelated sentence about the weather today'), []);
});

test('program literals: strings, numbers (negative too) and template text', () => {
  const literals = programLiterals('const a = "hello"; const b = -42; const c = `x ${a} tail text`; f(3.5, 10n);');
  for (const value of ['hello', -42, 'x ', ' tail text', 3.5, 10]) assert.ok(literals.has(value), String(value));
  assert.ok(!literals.has('x hello tail text'));
  assert.ok(!programLiterals('this is not javascript (').has('this'), 'an unparsable program trusts no literal');
});
