// `${VAR}` and `${VAR:-default}` in string values: substitution, typing, literals and mistakes with positions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromText, loadConfig, ConfigError } from '../../dist/config/index.js';

const DIR = path.join(tmpdir(), 'atp-interpolation');
const FILE = path.join(DIR, 'atp.yaml');

function load(text, env = {}) {
  return configFromText(text, { filepath: FILE, cwd: DIR, env });
}

/** The problems of an invalid text, reduced to what a user sees. */
function problemsOf(text, env = {}) {
  try {
    load(text, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems.map(({ file, line, col, path: at, message, hint }) => ({ file, line, col, path: at, message, hint }));
  }
  assert.fail('expected the config to be invalid');
}

test('${VAR} is replaced by the variable, inside a longer string too', () => {
  const config = load('server:\n  host: ${HOST}\ntelemetry:\n  serviceName: "atp-${STAGE}-${REGION}"\napis: []\n',
    { HOST: '10.0.0.5', STAGE: 'prod', REGION: 'eu' });
  assert.equal(config.server.host, '10.0.0.5');
  assert.equal(config.telemetry.serviceName, 'atp-prod-eu');
});

test('${VAR:-default} uses the default when the variable is unset or empty, the value otherwise', () => {
  const text = 'server:\n  host: ${HOST:-127.0.0.2}\napis: []\n';
  assert.equal(load(text, {}).server.host, '127.0.0.2');
  assert.equal(load(text, { HOST: '' }).server.host, '127.0.0.2');
  assert.equal(load(text, { HOST: '0.0.0.0' }).server.host, '0.0.0.0');
});

test('a default may be empty, and may contain colons and slashes', () => {
  const config = load('telemetry:\n  endpoint: ${OTLP:-http://127.0.0.1:4318/v1/traces}\naudit:\n  redact: ["x${SUFFIX:-}"]\napis: []\n');
  assert.equal(config.telemetry.endpoint, 'http://127.0.0.1:4318/v1/traces');
  assert.deepEqual(config.audit.redact, ['x']);
});

test('an empty variable without default is used as empty (only unset is an error)', () => {
  const config = load('audit:\n  redact: ["a${EMPTY}b"]\napis: []\n', { EMPTY: '' });
  assert.deepEqual(config.audit.redact, ['ab']);
});

test('$${ stands for a literal ${, and is not looked up', () => {
  const config = load('audit:\n  redact: ["$${NOT_A_VAR}", "cost $${X} ${Y}"]\napis: []\n', { Y: 'why' });
  assert.deepEqual(config.audit.redact, ['${NOT_A_VAR}', 'cost ${X} why']);
});

test('a plain scalar that is one whole reference takes the YAML type of the value', () => {
  const config = load('server:\n  port: ${PORT}\n  cors: ${CORS}\ntelemetry:\n  sampleRatio: ${RATIO:-0.5}\napis: []\n',
    { PORT: '8080', CORS: 'true' });
  assert.equal(config.server.port, 8080);
  assert.equal(config.server.cors, true);
  assert.equal(config.telemetry.sampleRatio, 0.5);
});

test('a whole reference is typed only where the schema takes that type: numeric secrets stay strings', () => {
  const text = [
    'execution:',
    '  timeout: ${TIMEOUT}',
    '  maxTimeout: ${MAX_TIMEOUT}',
    'apis:',
    '  - name: legacy',
    '    type: openapi',
    '    spec: https://example.com/openapi.json',
    '    auth:',
    '      type: basic',
    '      username: ${USER_ID}',
    '      password: ${PASSWORD}',
    '  - name: files',
    '    type: mcp',
    '    url: https://mcp.example.com/mcp',
    '    lazy: ${LAZY}',
    '    headers:',
    '      X-Account: ${ACCOUNT}',
    '',
  ].join('\n');
  const config = load(text, { TIMEOUT: '2500', MAX_TIMEOUT: '10m', USER_ID: 'true', PASSWORD: '123456', LAZY: 'true', ACCOUNT: '0.50' });
  assert.equal(config.execution.timeout, 2500, 'a duration may be an integer of ms');
  assert.equal(config.execution.maxTimeout, 600_000);
  assert.deepEqual(config.apis[0].auth, { type: 'basic', username: 'true', password: '123456' });
  assert.equal(config.apis[1].lazy, true);
  assert.deepEqual(config.apis[1].headers, { 'X-Account': '0.50' });
});

test('a quoted whole reference stays a string (so the schema rejects a quoted port)', () => {
  const problems = problemsOf('server:\n  port: "${PORT}"\napis: []\n', { PORT: '8080' });
  assert.deepEqual(problems, [{
    file: 'atp.yaml', line: 2, col: 9, path: 'server.port', message: 'must be an integer, not "8080"', hint: 'write ${PORT} without quotes, so that it takes the number it holds',
  }]);
  // Where a string is wanted, a quoted number-like value is right.
  const config = load('cache:\n  namespace: "${NS}"\napis: []\n', { NS: '2024' });
  assert.equal(config.cache.namespace, '2024');
});

test('a number that is not one gets the hint its source calls for: the variable, the quotes, or a number', () => {
  const hint = (text, env = {}) => problemsOf(text, env).map((problem) => problem.hint);
  assert.deepEqual(hint('server:\n  port: ${PORT}\napis: []\n', { PORT: 'abc' }), ['the value comes from the environment variable PORT: set it to a whole number']);
  assert.deepEqual(hint('server:\n  port: "${PORT}"\napis: []\n', { PORT: 'abc' }), ['the value comes from the environment variable PORT: set it to a whole number, and write ${PORT} without quotes']);
  assert.deepEqual(hint('server:\n  port: ${PORT:-abc}\napis: []\n'), ['write a whole number'], 'a default written in the file is the file\'s mistake');
  assert.deepEqual(hint('server:\n  port: abc\napis: []\n'), ['write a whole number']);
  assert.deepEqual(hint("server:\n  port: '3333'\napis: []\n"), ['write the number without quotes']);
});

test('a value that looks like a mapping or list stays a string', () => {
  const config = load('server:\n  host: ${HOST}\napis: []\n', { HOST: '{a: 1}' });
  assert.equal(config.server.host, '{a: 1}');
});

test('an unset variable is an error naming it, at the column of its ${', () => {
  const text = [
    'apis:',
    '  - name: github',
    '    type: openapi',
    '    spec: https://example.com/openapi.json',
    '    auth:',
    '      type: bearer',
    '      token: "Bearer ${GITHUB_TOKEN}"',
    '',
  ].join('\n');
  assert.deepEqual(problemsOf(text), [{
    file: 'atp.yaml', line: 7, col: 22, path: 'apis[0].auth.token',
    message: 'environment variable GITHUB_TOKEN is not set', hint: 'set GITHUB_TOKEN, or give a default: ${GITHUB_TOKEN:-value}',
  }]);
});

test('every unset variable is reported, each at its own column, even after a $${ literal of the same text', () => {
  const problems = problemsOf('audit:\n  redact: ["$${A}-${A}", "${B}${A}"]\napis: []\n');
  assert.deepEqual(problems.map((p) => [p.line, p.col, p.path, p.message]), [
    [2, 19, 'audit.redact[0]', 'environment variable A is not set'],
    [2, 27, 'audit.redact[1]', 'environment variable B is not set'],
    [2, 31, 'audit.redact[1]', 'environment variable A is not set'],
  ]);
});

test('positions inside a block scalar point at the reference line', () => {
  const text = 'apis:\n  - name: m\n    type: module\n    module: m.mjs\n    description: |\n      first line\n      uses ${DESCRIPTION_SUFFIX}\n';
  const problems = problemsOf(text);
  const unset = problems.find((p) => p.message.includes('DESCRIPTION_SUFFIX'));
  assert.deepEqual([unset.line, unset.col, unset.path], [7, 12, 'apis[0].description']);
});

test('an unset variable is reported once: the schema does not also complain about the raw ${...}', () => {
  const problems = problemsOf('server:\n  port: ${PORT}\napis:\n  - name: m\n    type: module\n    module: ${TOOLS_DIR}/m.mjs\n');
  assert.deepEqual(problems.map((p) => [p.line, p.col, p.message]), [
    [2, 9, 'environment variable PORT is not set'],
    [6, 13, 'environment variable TOOLS_DIR is not set'],
  ]);
});

test('a key that is unknown is still reported when its value has an unset variable', () => {
  const problems = problemsOf('server:\n  prot: ${PORT}\napis: []\n');
  assert.deepEqual(problems.map((p) => [p.line, p.col, p.message]), [
    [2, 3, 'unknown key "prot"'],
    [2, 9, 'environment variable PORT is not set'],
  ]);
});

test('invalid and unterminated references are errors with a hint', () => {
  const problems = problemsOf('server:\n  host: ${1HOST}\ncache:\n  namespace: a-${NS:x}\ntelemetry:\n  serviceName: ${SERVICE\napis: []\n');
  assert.deepEqual(problems, [
    { file: 'atp.yaml', line: 2, col: 9, path: 'server.host', message: 'invalid reference "${1HOST}"', hint: 'write ${NAME} or ${NAME:-default}, where NAME is letters, digits and _' },
    { file: 'atp.yaml', line: 4, col: 16, path: 'cache.namespace', message: 'invalid reference "${NS:x}"', hint: 'write ${NAME} or ${NAME:-default}, where NAME is letters, digits and _' },
    { file: 'atp.yaml', line: 6, col: 16, path: 'telemetry.serviceName', message: 'unterminated reference "${SERVICE"', hint: 'close it with }, or write $${ for a literal ${' },
  ]);
});

test('${} is an invalid reference', () => {
  const [problem] = problemsOf('server:\n  host: "${}"\napis: []\n');
  assert.deepEqual([problem.line, problem.col, problem.message], [2, 10, 'invalid reference "${}"']);
});

test('keys and comments are not interpolated; a $ without { is plain text', () => {
  const config = load('# ${NOT_SET} in a comment\nserver:\n  host: $HOST\napis: []\n');
  assert.equal(config.server.host, '$HOST');
});

test('package.json: only the "atp" key is interpolated, never scripts or other keys', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'atp-interp-pkg-'));
  try {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({
      name: 'svc',
      scripts: { start: 'atp serve --port ${PORT}', other: '${UNCLOSED' },
      config: { url: '${ALSO_UNSET}' },
      atp: { server: { host: '${HOST:-127.0.0.9}' }, apis: [] },
    }, null, 2));
    const config = await loadConfig({ cwd: dir, env: {} });
    assert.equal(config.file, path.join(dir, 'package.json'));
    assert.equal(config.server.host, '127.0.0.9');

    // And a mistake inside "atp" is placed in the JSON text.
    await writeFile(path.join(dir, 'package.json'), '{\n  "scripts": { "x": "${NOPE}" },\n  "atp": {\n    "server": { "host": "${BIND}" },\n    "apis": []\n  }\n}\n');
    await assert.rejects(loadConfig({ cwd: dir, env: {} }), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => [p.file, p.line, p.col, p.path, p.message]), [
        ['package.json', 4, 26, 'server.host', 'environment variable BIND is not set'],
      ]);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('interpolated values go through the schema like written ones', () => {
  const problems = problemsOf('execution:\n  timeout: ${TIMEOUT}\napis: []\n', { TIMEOUT: '30 secs' });
  assert.deepEqual(problems.map((p) => [p.line, p.col, p.path, p.message]), [[2, 12, 'execution.timeout', '"30 secs" is not a duration']]);
  assert.equal(load('execution:\n  timeout: ${TIMEOUT}\napis: []\n', { TIMEOUT: '45s' }).execution.timeout, 45_000);
});
