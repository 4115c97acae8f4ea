// `atp validate` through the real binary: exit codes 0/1/2, --json shape, the text format, every invalid
// fixture's exact problems, files that cannot be parsed, and the CLI's own --version/help/unknown command.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(REPO, 'bin/atp.js');
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

// Spawns are the slow part (one Node start each): run them at most `parallelism` at a time.
const parallelism = Math.max(2, availableParallelism());
let running = 0;
const waiting = [];
async function slot(work) {
  while (running >= parallelism) await new Promise((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Runs bin/atp.js. By default node gets --no-node-snapshot itself, so bin/atp.js runs the CLI in place
 * instead of re-executing; `direct: true` runs the file as a user would, through its re-exec.
 */
function atp(args, { cwd = REPO, env = {}, direct = false } = {}) {
  return slot(() => new Promise((resolve, reject) => {
    const command = direct ? BIN : process.execPath;
    const argv = direct ? args : ['--no-node-snapshot', BIN, ...args];
    const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  }));
}

function parseJson(run) {
  try {
    return JSON.parse(run.stdout);
  } catch {
    assert.fail(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/** The answer's shape, whatever the outcome: valid, file, apis, problems (each problem fully placed). */
function assertShape(result) {
  assert.equal(typeof result.valid, 'boolean');
  assert.ok(result.file === null || typeof result.file === 'string');
  assert.ok(Array.isArray(result.apis));
  assert.ok(Array.isArray(result.problems));
  for (const problem of result.problems) {
    assert.deepEqual(Object.keys(problem).filter((k) => k !== 'hint'), ['file', 'line', 'col', 'path', 'message']);
    assert.ok(Number.isInteger(problem.line) && problem.line >= 1);
    assert.ok(Number.isInteger(problem.col) && problem.col >= 1);
    assert.equal(typeof problem.message, 'string');
    if ('hint' in problem) assert.equal(typeof problem.hint, 'string');
  }
}

/** The exit code, with what the CLI printed when it is not the expected one. */
function assertExit(run, code, label = '') {
  assert.equal(run.code, code, `${label} exit ${run.code}, expected ${code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

function noStack(run) {
  assert.doesNotMatch(run.stdout, STACK_LINE, 'stack trace on stdout');
  assert.doesNotMatch(run.stderr, STACK_LINE, 'stack trace on stderr');
}

function sidecars() {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.expected.json')) found.push({ fixture: path.relative(REPO, full.slice(0, -'.expected.json'.length)), expected: JSON.parse(readFileSync(full, 'utf8')) });
    }
  };
  walk(path.join(REPO, 'test/fixtures/invalid'));
  return found;
}

let scratch;
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'atp-cli-validate-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('every invalid fixture: exit 1 and exactly its expected problems in --json', async () => {
  const all = sidecars();
  assert.ok(all.length >= 25, `only ${all.length} fixtures`);
  const runs = await Promise.all(all.map(({ fixture, expected }) => atp(['validate', '--json', '-c', fixture], { env: expected.env })));
  all.forEach(({ fixture, expected }, index) => {
    const run = runs[index];
    assertExit(run, 1, fixture);
    assert.equal(run.stderr, '', `${fixture}: stderr`);
    const result = parseJson(run);
    assertShape(result);
    assert.equal(result.valid, false);
    assert.equal(result.file, fixture);
    assert.deepEqual(result.apis, []);
    assert.deepEqual(result.problems, expected.problems.map((p) => ({ file: fixture, ...p })), fixture);
  });
});

test('an invalid config in text: one line per problem with an indented hint, a count, exit 1 on stdout', async () => {
  const fixture = 'test/fixtures/invalid/14-auth-type.yaml';
  const run = await atp(['validate', '-c', fixture]);
  assertExit(run, 1);
  assert.equal(run.stderr, '');
  assert.equal(run.stdout, [
    `${fixture}:7:13: "Bearer" is not a known type: expected "bearer", "basic", "apiKey" or "oauth2" (at apis[0].auth.type)`,
    '  hint: did you mean "bearer"?',
    `${fixture}:13:13: "digest" is not a known type: expected "bearer", "basic", "apiKey" or "oauth2" (at apis[1].auth.type)`,
    '2 problems found',
    '',
  ].join('\n'));
});

test('a valid config (full.yaml, the shipped example): exit 0, --json lists the groups, text names the file and groups', async () => {
  const fixture = 'test/fixtures/valid/full.yaml';
  const [json, text, example] = await Promise.all([
    atp(['validate', '--json', '-c', fixture]),
    atp(['validate', '-c', fixture]),
    atp(['validate', '-c', 'atp.config.example.yaml']),
  ]);
  // Issue 2's acceptance: the shipped example validates.
  assertExit(example, 0, 'atp.config.example.yaml');
  assert.match(example.stdout, /^atp\.config\.example\.yaml: valid; \d+ API groups?: /);
  assertExit(json, 0);
  const result = parseJson(json);
  assertShape(result);
  assert.deepEqual(result, {
    valid: true,
    file: fixture,
    apis: [
      { name: 'petstore', type: 'openapi' }, { name: 'remotePets', type: 'openapi' }, { name: 'billing', type: 'openapi' },
      { name: 'legacy', type: 'openapi' }, { name: 'files', type: 'mcp' }, { name: 'docs', type: 'mcp' }, { name: 'math', type: 'module' },
    ],
    problems: [],
    // the fixture's rules are in effect: nothing to note
    notes: [],
  });
  assertExit(text, 0);
  assert.equal(text.stdout, `${fixture}: valid; 7 API groups: petstore (openapi), remotePets (openapi), billing (openapi), legacy (openapi), files (mcp), docs (mcp), math (module)\n${result.notes.map((note) => `  note  ${note}\n`).join('')}`);
});

test('bin/atp.js run directly (re-executing node with --no-node-snapshot) validates and keeps the exit code', async () => {
  const [ok, bad] = await Promise.all([
    atp(['validate', '-c', 'test/fixtures/valid/minimal.yaml'], { direct: true }),
    atp(['validate', '-c', 'test/fixtures/invalid/01-unknown-top-level-key.yaml'], { direct: true }),
  ]);
  assertExit(ok, 0);
  assert.match(ok.stdout, /minimal\.yaml: valid; 1 API group: petstore \(openapi\)/);
  assertExit(bad, 1);
  assert.match(bad.stdout, /01-unknown-top-level-key\.yaml:2:1: unknown key "sever" \(at sever\)\n {2}hint: did you mean "server"\?/);
});

// Files that cannot be read or parsed: exit 2; syntax errors still have a position.
const UNPARSEABLE = [
  { file: 'syntax-error.yaml', line: 5, col: 4, message: /^YAML syntax error: / },
  { file: 'duplicate-key.yaml', line: 5, col: 1, message: /^duplicate key "server": a key may appear once per mapping$/ },
  { file: 'unclosed-quote.yaml', line: 3, col: 11, message: /^YAML syntax error: this quoted string is never closed$/ },
  { file: 'empty.yaml', error: (fixture) => `${fixture} is empty; a config needs at least an apis list (see atp.config.example.yaml)` },
  { file: 'directory.yaml', error: (fixture) => `${fixture}: is a directory; give the config file itself` },
  { file: 'missing.yaml', error: (fixture) => `${fixture}: no such file; check the path given to -c` },
];

test('files that cannot be parsed or read: exit 2, --json with the problem or error, text on stderr', async () => {
  // Text output is checked for one file of each kind (a positioned problem, a bare error).
  const withText = new Set(['syntax-error.yaml', 'missing.yaml']);
  const runs = await Promise.all(UNPARSEABLE.map(async ({ file }) => {
    const fixture = `test/fixtures/config-unparseable/${file}`;
    return Promise.all([atp(['validate', '--json', '-c', fixture]), withText.has(file) ? atp(['validate', '-c', fixture]) : undefined]);
  }));
  UNPARSEABLE.forEach((expected, index) => {
    const fixture = `test/fixtures/config-unparseable/${expected.file}`;
    const [json, text] = runs[index];
    for (const run of [json, text].filter(Boolean)) {
      assertExit(run, 2, fixture);
      noStack(run);
    }
    const result = parseJson(json);
    assertShape(result);
    assert.equal(result.valid, false);
    assert.equal(result.file, fixture);
    if (text) assert.equal(text.stdout, '', `${fixture}: text goes to stderr`);
    if (expected.line) {
      assert.equal(result.problems.length, 1, fixture);
      const [problem] = result.problems;
      assert.deepEqual([problem.file, problem.line, problem.col, problem.path], [fixture, expected.line, expected.col, '']);
      assert.match(problem.message, expected.message);
      if (text) assert.equal(text.stderr, `${fixture}:${expected.line}:${expected.col}: ${problem.message}\n  hint: ${problem.hint}\n`);
      assert.equal(result.error, undefined);
    } else {
      assert.deepEqual(result.problems, []);
      assert.equal(result.error, expected.error(fixture));
      if (text) assert.equal(text.stderr, `atp: ${expected.error(fixture)}\n`);
    }
  });
});

test('no config anywhere: exit 2 with what to do; --json has file null', async () => {
  const dir = path.join(scratch, 'empty-project');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'empty-project' }));
  const [text, json] = await Promise.all([atp(['validate'], { cwd: dir }), atp(['validate', '--json'], { cwd: dir })]);
  assertExit(text, 2);
  assert.equal(text.stdout, '');
  assert.match(text.stderr, /^atp: no config found in .*empty-project: create atp\.yaml \(start from atp\.config\.example\.yaml\) or pass -c <file>; searched atp\.yaml, atp\.yml, atp\.config\.yaml, \.atprc, \.atprc\.yaml, \.atprc\.yml, \.atprc\.json, package\.json\n$/);
  assertExit(json, 2);
  const result = parseJson(json);
  assertShape(result);
  assert.deepEqual({ ...result, error: undefined }, { valid: false, file: null, apis: [], problems: [], error: undefined });
  assert.match(result.error, /^no config found/);
});

test('the config is found by search from the working directory; a broken package.json is exit 2 without a stack, unless an atp.yaml is beside it', async () => {
  const dir = path.join(scratch, 'found');
  await mkdir(path.join(dir, 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'found' }));
  await writeFile(path.join(dir, '.atprc.yml'), 'apis:\n  - name: tools\n    type: module\n    module: ./tools.mjs\n');
  await writeFile(path.join(dir, 'tools.mjs'), 'export async function ping() { return "pong"; }\n');
  const broken = path.join(scratch, 'broken');
  await mkdir(broken, { recursive: true });
  await writeFile(path.join(broken, 'package.json'), '{ "name": "broken", }');
  // the same broken package.json beside an atp.yaml: the config is still found
  const beside = path.join(scratch, 'broken-beside');
  await mkdir(beside, { recursive: true });
  await writeFile(path.join(beside, 'package.json'), '{ "name": "broken", }');
  await writeFile(path.join(beside, 'atp.yaml'), 'apis:\n  - name: tools\n    type: module\n    module: ./tools.mjs\n');
  await writeFile(path.join(beside, 'tools.mjs'), 'export async function ping() { return "pong"; }\n');
  const [found, bad, besides] = await Promise.all([
    atp(['validate'], { cwd: path.join(dir, 'sub') }), atp(['validate'], { cwd: broken }), atp(['validate'], { cwd: beside }),
  ]);
  assertExit(found, 0);
  assert.equal(found.stdout, `${path.join(dir, '.atprc.yml')}: valid; 1 API group: tools (module)\n`);
  assertExit(bad, 2);
  noStack(bad);
  assert.match(bad.stderr, /^atp: cannot search for the config: .*package\.json.*; fix it or pass -c <file>\n$/);
  assertExit(besides, 0);
  assert.equal(besides.stdout, 'atp.yaml: valid; 1 API group: tools (module)\n');
});

test('--version, help validate, help help, unknown command, unknown option', async () => {
  const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8'));
  const [version, help, unknown, badOption, helpHelp, helpUnknown] = await Promise.all([
    atp(['--version'], { direct: true }),
    atp(['help', 'validate']),
    atp(['frobnicate']),
    atp(['validate', '--strict']),
    atp(['help', 'help']),
    atp(['help', 'frobnicate']),
  ]);
  assertExit(helpHelp, 0); // help about help: the general help, which lists it
  assert.match(helpHelp.stdout, /^Usage: atp \[options\] \[command\]/);
  assert.match(helpHelp.stdout, /help \[command\]\s+show help for a command/);
  assertExit(helpUnknown, 2);
  assertExit(version, 0);
  assert.equal(version.stdout, `${pkg.version}\n`);
  assertExit(help, 0);
  assert.match(help.stdout, /^Usage: atp validate \[options\]/);
  assert.match(help.stdout, /--connect/);
  assert.match(help.stdout, /exit 0 valid, 1\s+invalid, 2 unreadable/);
  assertExit(unknown, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  assertExit(badOption, 2);
  assert.match(badOption.stderr, /unknown option '--strict'/);
  for (const run of [version, help, unknown, badOption]) noStack(run);
});

test('--connect loads each group and reports per group what loaded or why not; any failure is exit 1', async () => {
  const dir = path.join(scratch, 'connect');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'petstore.yaml'), await readFile(path.join(REPO, 'test/fixtures/valid/specs/petstore.yaml')));
  await writeFile(path.join(dir, 'math.mjs'), await readFile(path.join(REPO, 'test/fixtures/valid/tools/math.mjs')));
  await writeFile(path.join(dir, 'broken.mjs'), 'throw new Error("boom at import");\n');
  const groups = 'apis:\n  - name: pets\n    type: openapi\n    spec: petstore.yaml\n  - name: math\n    type: module\n    module: math.mjs\n';
  await writeFile(path.join(dir, 'ok.yaml'), groups);
  await writeFile(path.join(dir, 'bad.yaml'), `${groups}  - name: broken\n    type: module\n    module: broken.mjs\n`);
  const [ok, bad] = await Promise.all([
    atp(['validate', '--connect', '--json', '-c', 'ok.yaml'], { cwd: dir }),
    atp(['validate', '--connect', '-c', 'bad.yaml'], { cwd: dir }),
  ]);
  assertExit(ok, 0);
  const result = parseJson(ok);
  assertShape(result);
  assert.equal(result.valid, true);
  assert.deepEqual(result.groups.map(({ name, type, ok: loaded, functions }) => ({ name, type, loaded, functions })), [
    { name: 'pets', type: 'openapi', loaded: true, functions: 3 },
    { name: 'math', type: 'module', loaded: true, functions: 1 },
  ]);
  for (const group of result.groups) assert.ok(Number.isInteger(group.ms) && group.ms >= 0);

  assertExit(bad, 1);
  noStack(bad);
  const lines = bad.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'bad.yaml: valid; 3 API groups: pets (openapi), math (module), broken (module)');
  assert.match(lines[1], /^ {2}ok {4}pets: 3 functions in \d+ ms$/);
  assert.match(lines[2], /^ {2}ok {4}math: 1 function in \d+ ms$/);
  assert.match(lines[3], /^ {2}FAIL {2}broken: .*boom at import/);
  assert.equal(lines.length, 4);
});

test('--connect: an optional group that fails to load is a warning, exit 0 (atp serve starts without it)', async () => {
  const dir = path.join(scratch, 'connect-optional');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'math.mjs'), await readFile(path.join(REPO, 'test/fixtures/valid/tools/math.mjs')));
  await writeFile(path.join(dir, 'broken.mjs'), 'throw new Error("boom at import");\n');
  await writeFile(path.join(dir, 'atp.yaml'), 'apis:\n  - name: math\n    type: module\n    module: math.mjs\n  - name: broken\n    type: module\n    module: broken.mjs\n    optional: true\n');
  const [text, json] = await Promise.all([
    atp(['validate', '--connect', '-c', 'atp.yaml'], { cwd: dir }),
    atp(['validate', '--connect', '--json', '-c', 'atp.yaml'], { cwd: dir }),
  ]);
  assertExit(text, 0);
  const lines = text.stdout.trimEnd().split('\n');
  assert.match(lines[1], /^ {2}ok {4}math: 1 function in \d+ ms$/);
  assert.match(lines[2], /^ {2}WARN {2}broken: .*boom at import.*\(optional: atp serve starts without it and retries it\)$/);
  assertExit(json, 0);
  const result = parseJson(json);
  assert.equal(result.valid, true);
  assert.deepEqual(result.groups.map(({ name, ok, optional }) => ({ name, ok, optional })), [
    { name: 'math', ok: true, optional: undefined },
    { name: 'broken', ok: false, optional: true },
  ]);
});
