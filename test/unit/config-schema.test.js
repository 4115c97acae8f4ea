// Schema problems that the fixtures do not show, and the helpers that word them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromText, loadConfig, ConfigError, ConfigFileError, closest, formatPath, formatProblem } from '../../dist/config/index.js';

const DIR = path.join(tmpdir(), 'atp-schema');

function problemsOf(text) {
  try {
    configFromText(text, { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected the config to be invalid');
}

const brief = (problems) => problems.map((p) => [p.line, p.col, p.path, p.message, p.hint]);

test('an unknown key with nothing close lists the keys allowed there', () => {
  assert.deepEqual(brief(problemsOf('apis: []\nlogging:\n  colour: true\n')), [
    [3, 3, 'logging.colour', 'unknown key "colour"', 'allowed keys here: level, format'],
  ]);
});

test('a discriminator that is not a string, and a group that is not a mapping', () => {
  assert.deepEqual(brief(problemsOf('apis:\n  - name: a\n    type: 5\n  - just-a-name\n')), [
    [3, 11, 'apis[0].type', 'number 5 is not a known type: expected "openapi", "mcp" or "module"', undefined],
    [4, 5, 'apis[1]', 'must be a mapping, not "just-a-name"', 'write a YAML mapping of key: value lines, indented under this key'],
  ]);
});

test('wrong types name what was found and what is wanted', () => {
  assert.deepEqual(brief(problemsOf('server:\n  host: [a]\n  cors: 1\napis: []\naudit:\n  includeInputs: "yes"\n')), [
    [2, 9, 'server.host', 'must be a string, not a list', 'quote the value if YAML read it as another type'],
    [3, 9, 'server.cors', 'number 1 does not match any allowed form', 'write true or false, or a mapping with origins'],
    [6, 18, 'audit.includeInputs', 'must be true or false, not "yes"', undefined],
  ]);
});

test('durations and sizes accept integers (ms, bytes) but not fractions or negatives', () => {
  const config = configFromText('execution:\n  timeout: 2500\n  memory: 16777216\napis: []\n', { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  assert.equal(config.execution.timeout, 2500);
  assert.equal(config.execution.memory, 16_777_216);
  assert.deepEqual(brief(problemsOf('execution:\n  timeout: 1.5\n  memory: -5\napis: []\n')), [
    [2, 12, 'execution.timeout', 'must be a duration, not number 1.5', 'write a number with a unit: 500ms, 30s, 5m, 1h, 1d (or an integer of milliseconds)'],
    [3, 11, 'execution.memory', 'number -5 is out of range: must be >= 0', undefined],
  ]);
});

test('problems come in file order whatever stage found them', () => {
  const problems = problemsOf([
    'execution:',
    '  timeout: 10m',            // semantic: above maxTimeout
    '  memory: lots',            // schema: bad size
    'server:',
    '  host: ${HOST}',           // interpolation: unset
    'apis:',
    '  - name: a-b',             // schema: name
    '    type: module',
    '    module: ./missing.mjs', // semantic: missing file
    '',
  ].join('\n'));
  assert.deepEqual(problems.map((p) => `${p.line}:${p.col}`), ['2:12', '3:11', '5:9', '7:11', '9:13']);
  for (const problem of problems) assert.equal(problem.file, 'atp.yaml');
});

test('ConfigError lists every problem as file:line:col: message (at path) with an indented hint', () => {
  let error;
  try {
    configFromText('apis: []\nserver:\n  prot: 1\n', { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.message, 'atp.yaml:3:3: unknown key "prot" (at server.prot)\n  hint: did you mean "port"?');
});

test('a file outside the working directory is named by its absolute path', () => {
  try {
    configFromText('apis: []\nserver:\n  prot: 1\n', { filepath: '/elsewhere/atp.yaml', cwd: DIR, env: {} });
    assert.fail('expected invalid');
  } catch (error) {
    assert.equal(error.problems[0].file, '/elsewhere/atp.yaml');
  }
});

test('YAML that cannot be parsed is a ConfigFileError with positions, not a ConfigError', () => {
  assert.throws(() => configFromText('apis: [\n', { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError);
    assert.equal(error.problems.length >= 1, true);
    assert.equal(error.problems[0].file, 'atp.yaml');
    assert.match(error.problems[0].message, /^YAML syntax error: /);
    return true;
  });
});

test('formatProblem and formatPath', () => {
  assert.equal(formatPath(['apis', 2, 'auth', 'type']), 'apis[2].auth.type');
  assert.equal(formatPath(['apis', 0, 'headers', 'X-Env']), 'apis[0].headers["X-Env"]');
  assert.equal(formatPath([]), '');
  assert.equal(formatProblem({ file: 'a.yaml', line: 1, col: 2, path: '', message: 'm' }), 'a.yaml:1:2: m');
  assert.equal(formatProblem({ file: 'a.yaml', line: 1, col: 2, path: 'x', message: 'm', hint: 'h' }), 'a.yaml:1:2: m (at x)\n  hint: h');
});

test('closest: typos, transpositions, case, longer and shorter forms; nothing for unrelated words', () => {
  assert.equal(closest('timout', ['timeout', 'memory']), 'timeout');
  assert.equal(closest('prot', ['port', 'host']), 'port');
  assert.equal(closest('GETT', ['get', 'GET']), 'GET');
  assert.equal(closest('Bearer', ['bearer', 'basic']), 'bearer');
  assert.equal(closest('warning', ['error', 'warn', 'info']), 'warn');
  assert.equal(closest('credential', ['origins', 'credentials']), 'credentials');
  assert.equal(closest('verbose', ['silent', 'error', 'warn', 'info', 'debug', 'trace']), undefined);
  assert.equal(closest('x', ['server', 'apis']), undefined);
});

test('every file in test/fixtures/config-unparseable is a ConfigFileError: one problem, at the mistake where it can be', async () => {
  const REPO = fileURLToPath(new URL('../../', import.meta.url));
  const dir = 'test/fixtures/config-unparseable';
  const expected = {
    'alias-bomb.yaml': { error: `${dir}/alias-bomb.yaml: YAML aliases (*name) expand to too many values; write the values out instead of nesting aliases` },
    'comments-only.yaml': { error: `${dir}/comments-only.yaml is empty; a config needs at least an apis list (see atp.config.example.yaml)` },
    'directory.yaml': { error: `${dir}/directory.yaml: is a directory; give the config file itself` },
    'duplicate-key.yaml': { at: [5, 1], message: 'duplicate key "server": a key may appear once per mapping' },
    'duplicate-nested-key.yaml': { at: [4, 3], message: 'duplicate key "host": a key may appear once per mapping' },
    'empty.yaml': { error: `${dir}/empty.yaml is empty; a config needs at least an apis list (see atp.config.example.yaml)` },
    'multi-document.yaml': { at: [6, 1], message: 'a second YAML document starts here; a config is one document' },
    'over-indented-key.yaml': {
      at: [4, 5], message: `"port" is indented more than "host" above it, so YAML reads it as part of host's value`,
      hint: 'keys of one mapping start in the same column: indent "port" by 2 spaces, as "host"',
    },
    'package.json': { error: `${dir}/package.json has no "atp" key: put the config under it, or pass -c <file>` },
    'syntax-error.yaml': { at: [5, 4], message: 'YAML syntax error: Sequence item without - indicator' },
    'tab-indent.yaml': { at: [3, 1], message: 'YAML syntax error: Tabs are not allowed as indentation' },
    'unclosed-quote.yaml': { at: [3, 11], message: 'YAML syntax error: this quoted string is never closed' },
    'unquoted-reference-in-braces.yaml': {
      at: [6, 34], message: '${PETSTORE_TOKEN} inside { } must be quoted: unquoted, YAML reads its { as the start of a mapping',
      hint: 'write token: "${PETSTORE_TOKEN}" (see atp.yaml(5), ENVIRONMENT VARIABLES IN VALUES)',
    },
  };
  assert.deepEqual(readdirSync(path.join(REPO, dir)).sort(), Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    await assert.rejects(loadConfig({ configPath: `${dir}/${name}`, cwd: REPO, env: {} }), (error) => {
      assert.ok(error instanceof ConfigFileError, `${name}: ${error}`);
      assert.equal(error.file, `${dir}/${name}`);
      if (want.error) {
        assert.equal(error.message, want.error);
        assert.deepEqual(error.problems, []);
      } else {
        assert.deepEqual(error.problems.map((p) => [p.file, p.line, p.col, p.path, p.message]), [[`${dir}/${name}`, ...want.at, '', want.message]]);
        if (want.hint) assert.equal(error.problems[0].hint, want.hint, name);
      }
      return true;
    });
  }
});

test('merge keys write shared settings once; top-level x- keys hold the anchors and are dropped', () => {
  const text = [
    'x-defaults: &defaults',
    '  timeout: 10s',
    '  retries: 1',
    'x-note: shared settings above',
    'apis:',
    '  - { name: a, type: openapi, spec: https://example.com/a.json, <<: *defaults }',
    '  - name: b',
    '    type: openapi',
    '    spec: https://example.com/b.json',
    '    <<: *defaults',
    '    timeout: 20s',
    '',
  ].join('\n');
  const config = configFromText(text, { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  assert.deepEqual(config.apis.map((group) => [group.name, group.timeout, group.retries]), [['a', 10_000, 1], ['b', 20_000, 1]]);
  assert.equal(Object.keys(config).some((key) => key.startsWith('x-')), false);
});

test('a mistake in merged settings is shown where the anchor writes it; x- keys below the top level are refused', () => {
  const text = 'x-defaults: &defaults\n  timeout: soon\napis:\n  - name: a\n    type: openapi\n    spec: https://example.com/a.json\n    x-owner: me\n    <<: *defaults\n';
  assert.deepEqual(brief(problemsOf(text)), [
    [2, 12, 'apis[0].timeout', '"soon" is not a duration', 'write a number with a unit: 500ms, 30s, 5m, 1h, 1d (or an integer of milliseconds)'],
    [7, 5, 'apis[0]["x-owner"]', 'unknown key "x-owner"', 'x- keys are accepted at the top level only (a place for anchors); here, write a # comment instead'],
  ]);
});

test('execution.timezone must be a time zone Node knows; a near miss gets a suggestion', () => {
  assert.deepEqual(brief(problemsOf('apis: []\nexecution:\n  timezone: Europe/Pariss\n')), [
    [3, 13, 'execution.timezone', '"Europe/Pariss" is not a time zone this Node knows', 'did you mean "Europe/Paris"?'],
  ]);
  const config = configFromText('apis: []\n', { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  assert.equal(config.execution.timezone, 'UTC');
});

test('a per-client share above its total is a problem; unwritten shares follow the written totals', () => {
  const text = [
    'execution:',
    '  concurrency: 4',
    '  clientConcurrency: 6',
    'apis:',
    '  - name: m',
    '    type: module',
    '    module: m.js',
    '    concurrency: 2',
    '    clientConcurrency: 3',
    '',
  ].join('\n');
  const problems = problemsOf(text).filter((p) => /clientConcurrency/.test(p.path));
  assert.deepEqual(brief(problems), [
    [3, 22, 'execution.clientConcurrency', 'execution.clientConcurrency (6) is above execution.concurrency (4)', 'lower clientConcurrency or raise concurrency'],
    [9, 24, 'apis[0].clientConcurrency', "clientConcurrency (3) is above the group's concurrency (2)",
      'lower clientConcurrency or raise concurrency; equal to concurrency lets one client take every slot'],
  ]);
  const config = configFromText('execution:\n  concurrency: 2\n  queue: 1\napis: []\n', { filepath: path.join(DIR, 'atp.yaml'), cwd: DIR, env: {} });
  assert.deepEqual([config.execution.clientConcurrency, config.execution.clientQueue], [1, 1]);
});
