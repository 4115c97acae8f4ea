// Limits below the least they can be are problems at their line: a bare number is bytes or milliseconds,
// so `memory: 128` would otherwise validate and fail later, far from the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromText, ConfigError } from '../../dist/config/index.js';

const DIR = path.join(tmpdir(), 'atp-minima');
const load = (text) => configFromText(text, { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });

function problemsOf(text) {
  try {
    load(text);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems.map((p) => [p.line, p.col, p.path, p.message, p.hint]);
  }
  assert.fail('expected the config to be invalid');
}

test('memory and maxMemory below 8MB, and time limits of 0, are problems at their lines', () => {
  const text = ['execution:', '  memory: 128', '  maxMemory: 4MB', '  timeout: 0', '  maxTimeout: 0ms', 'apis: []', ''].join('\n');
  assert.deepEqual(problemsOf(text), [
    [2, 11, 'execution.memory', 'execution.memory (128) is below 8MB, the least heap a sandbox can run with', 'write at least 8MB; a number without a unit counts bytes: did you mean 128MB?'],
    [3, 14, 'execution.maxMemory', 'execution.maxMemory (4MB) is below 8MB, the least heap a sandbox can run with', 'write at least 8MB'],
    [4, 12, 'execution.timeout', 'execution.timeout is 0, which would stop every execution at once', 'write a duration such as 30s'],
    [5, 15, 'execution.maxTimeout', 'execution.maxTimeout is 0, which would stop every execution at once', 'write a duration such as 30s'],
  ]);
});

test('the least values themselves are valid', () => {
  const config = load('execution:\n  memory: 8MB\n  maxMemory: 8000000\n  timeout: 1\napis: []\n');
  assert.deepEqual([config.execution.memory, config.execution.maxMemory, config.execution.timeout], [8_000_000, 8_000_000, 1]);
});
