// YAML mistakes the parser reports several times, or where it gave up: one problem each, at the mistake, with the fix.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromText, ConfigFileError } from '../../dist/config/index.js';

const DIR = path.join(tmpdir(), 'atp-yaml-errors');

function parseProblems(text) {
  try {
    configFromText(text, { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigFileError, `expected ConfigFileError, got ${error}`);
    return error.problems.map((p) => [p.line, p.col, p.message, p.hint]);
  }
  assert.fail('expected the config not to parse');
}

const QUOTING = '(see atp.yaml(5), ENVIRONMENT VARIABLES IN VALUES)';

test('references inside [ ] and { }, on one line or several: one problem per reference, with the quoted value', () => {
  assert.deepEqual(parseProblems('auth:\n  apiKeys: [${KEY}, "${OK}", ${K2}]\napis: []\n'), [
    [2, 13, '${KEY} inside [ ] must be quoted: unquoted, YAML reads its { as the start of a mapping', `write "\${KEY}" ${QUOTING}`],
    [2, 30, '${K2} inside [ ] must be quoted: unquoted, YAML reads its { as the start of a mapping', `write "\${K2}" ${QUOTING}`],
  ]);
  assert.deepEqual(parseProblems('apis:\n  - {\n      name: a,\n      spec: http://${HOST:-localhost}/spec.json\n    }\n'), [
    [4, 20, '${HOST:-localhost} inside { } must be quoted: unquoted, YAML reads its { as the start of a mapping', `write spec: "http://\${HOST:-localhost}/spec.json" ${QUOTING}`],
  ]);
});

test('a key indented more or less than the keys of its mapping, after comments and blank lines, in a list item', () => {
  assert.deepEqual(parseProblems('server:\n  host: "x"   # a comment\n\n    port: 3333\napis: []\n'), [
    [4, 5, '"port" is indented more than "host" above it', 'keys of one mapping start in the same column: indent "port" by 2 spaces, as "host"'],
  ]);
  assert.deepEqual(parseProblems('server:\n    host: x\n  port: 1\napis: []\n'), [
    [3, 3, '"port" is indented less than "host" above it', 'keys of one mapping start in the same column: indent "port" by 4 spaces, as "host"'],
  ]);
  assert.deepEqual(parseProblems('apis:\n  - name: a\n      type: openapi\n'), [
    [3, 7, `"type" is indented more than "name" above it, so YAML reads it as part of name's value`, 'keys of one mapping start in the same column: indent "type" by 4 spaces, as "name"'],
  ]);
  assert.deepEqual(parseProblems('apis: []\n  server: {}\n'), [
    [2, 3, '"server" is indented more than "apis" above it', 'keys of one mapping start in the same column: start "server" at the beginning of its line, as "apis"'],
  ]);
});

test('two over-indented lines in a row are one mistake; a mistake elsewhere is still reported', () => {
  assert.deepEqual(parseProblems('server:\n  host: 127.0.0.1\n    port: 3333\n    bodyLimit: 1MB\napis: [${A}]\n').map(([line, col]) => [line, col]), [[3, 5], [5, 8]]);
});
