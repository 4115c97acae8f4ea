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
    assert.equal(error.message, 'Unexpected token ";"');
    assert.equal(error.line, 2);
    assert.equal(error.column, 9);
    return true;
  });
  // the parser counts bytes; the column counts characters, as an editor does
  assert.throws(() => transpile('const s = "é😀";\nconst t = "ü"; let y = ;'), (error) => {
    assert.equal(error.line, 2);
    assert.equal(error.column, 24);
    return true;
  });
  assert.throws(() => transpile('const a = 1;\nconst a = 2;'), /has already been declared/);
  assert.throws(() => transpile('if (x) {\n  return 1;\n\n'), (error) => {
    assert.match(error.message, /^the code ends too early/);
    assert.equal(error.line, 2); // the last line with code
    return true;
  });
});

test('TypeScript that needs code, not just stripping: enums, parameter properties, class fields', () => {
  const out = transpile('enum C { A, B }\nclass P { y; constructor(private x: number) {} }\nreturn [C.B, new P(3)];');
  assert.doesNotMatch(out.script, /enum|private/);
  const run = new Function('__atp_start', `return ${out.script}`);
  return run((program) => program()).then(([b, p]) => {
    assert.equal(b, 1);
    assert.deepEqual(Object.keys(p).sort(), ['x', 'y']); // y declared (define semantics), x assigned
  });
});

test('the same code is transpiled once', () => {
  const code = `return ${Math.random()};`;
  assert.equal(transpile(code), transpile(code));
});
