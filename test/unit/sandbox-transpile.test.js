// Transpiling agent code: TypeScript stripped, positions mapped back to the user's lines, results cached.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpile, CodeSyntaxError } from '../../dist/sandbox/index.js';

test('TypeScript is stripped and the program is wrapped as the body of an async function', () => {
  const out = transpile('const n: number = 1;\nreturn n as number;');
  assert.match(out.script, /^__atp_start\(async \(\) => \{/);
  assert.doesNotMatch(out.script, /: number|as number/);
});

test('positions in the generated script map back to the user\'s lines', () => {
  const code = 'interface A {\n  x: number;\n}\n\nconst a: A = { x: 1 };\nthrow new Error("here");';
  const out = transpile(code);
  const lines = out.script.split('\n');
  const line = lines.findIndex((text) => text.includes('throw')) + 1;
  const column = lines[line - 1].indexOf('throw') + 1;
  assert.deepEqual(out.original(line, column), { line: 6, column: 1 });
  assert.equal(out.original(1, 1), undefined); // the wrapper is not the user's code
});

test('syntax errors name the user\'s line and column', () => {
  assert.throws(() => transpile('let x = 1;\nlet y = ;'), (error) => {
    assert.ok(error instanceof CodeSyntaxError);
    assert.equal(error.line, 2);
    assert.equal(error.column, 9);
    return true;
  });
  assert.throws(() => transpile('import fs from "fs";'), CodeSyntaxError);
});

test('the same code is transpiled once', () => {
  const code = `return ${Math.random()};`;
  assert.equal(transpile(code), transpile(code));
});
