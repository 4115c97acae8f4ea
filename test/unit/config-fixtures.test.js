// Every broken config under test/fixtures/invalid/ gives exactly the problems its sidecar
// (<fixture>.expected.json) lists: file, line, col, path, message and hint. test/e2e/cli-validate.test.js
// checks the same sidecars through the real CLI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '../../dist/config/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const INVALID = path.join(REPO, 'test/fixtures/invalid');

/** Every sidecar below test/fixtures/invalid, with the fixture it describes. */
function fixtures() {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.expected.json')) {
        const fixture = full.slice(0, -'.expected.json'.length);
        found.push({ fixture, relative: path.relative(REPO, fixture), expected: JSON.parse(readFileSync(full, 'utf8')) });
      }
    }
  };
  walk(INVALID);
  return found;
}

const all = fixtures();

test('at least 25 invalid fixtures, each with a header comment and a sidecar', () => {
  assert.ok(all.length >= 25, `only ${all.length} fixtures`);
  const yamlFixtures = readdirSync(INVALID).filter((name) => name.endsWith('.yaml'));
  for (const name of yamlFixtures) {
    assert.ok(all.some((f) => path.basename(f.fixture) === name), `${name} has no sidecar`);
    assert.match(readFileSync(path.join(INVALID, name), 'utf8'), /^# \S/, `${name} starts with a comment saying what is wrong`);
  }
  for (const { relative, expected } of all) assert.ok(expected.problems.length > 0, `${relative} expects no problem`);
});

for (const { fixture, relative, expected } of all) {
  test(`${relative}: exactly its expected problems`, async () => {
    let error;
    try {
      await loadConfig({ configPath: fixture, cwd: REPO, env: expected.env ?? {} });
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error ?? 'a valid config'}`);
    assert.equal(error.file, relative);
    const actual = error.problems.map((p) => ({ file: p.file, line: p.line, col: p.col, path: p.path, message: p.message, ...(p.hint ? { hint: p.hint } : {}) }));
    const wanted = expected.problems.map((p) => ({ file: relative, ...p }));
    assert.deepEqual(actual, wanted);
  });
}
