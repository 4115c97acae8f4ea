// `atp exec` through the real binary: results on stdout, logs on stderr, one exit code per outcome.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'atp.js');
let dir;
let config;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'atp-exec-'));
  config = path.join(dir, 'atp.yaml');
  const module = path.join(root, 'test', 'fixtures', 'modules', 'math.js');
  await writeFile(config, `apis:\n  - name: math\n    type: module\n    module: ${JSON.stringify(module)}\nexecution:\n  maxTimeout: 1m\n`);
});
after(() => rm(dir, { recursive: true, force: true }));

/** Runs `atp exec` with the code in a file (or on stdin when `stdin` is set); resolves with code, stdout, stderr. */
async function atpExec(code, args = [], { stdin = false } = {}) {
  const file = path.join(dir, `code-${Math.random().toString(36).slice(2)}.ts`);
  if (!stdin) await writeFile(file, code);
  const child = spawn(process.execPath, [bin, 'exec', '-c', config, ...args, stdin ? '-' : file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(stdin ? code : '');
  const exitCode = await new Promise((resolve) => child.on('close', resolve));
  return { exitCode, stdout, stderr };
}

test('a completed run prints the result on stdout and logs on stderr, exit 0', async () => {
  const { exitCode, stdout, stderr } = await atpExec('const n: number = await api.math.add({ a: 2, b: 3 });\nconsole.log("got", n);\nreturn { n };');
  assert.equal(exitCode, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), { n: 5 });
  assert.match(stderr, /\[info\] got 5/);
});

test('code on stdin works, and --json prints the whole ExecutionResult', async () => {
  const { exitCode, stdout } = await atpExec('return "plain text";', ['--json'], { stdin: true });
  assert.equal(exitCode, 0);
  const result = JSON.parse(stdout);
  assert.equal(result.status, 'completed');
  assert.equal(result.result, 'plain text');
  assert.equal(typeof result.stats.duration, 'number');
  const plain = await atpExec('return "plain text";', [], { stdin: true });
  assert.equal(plain.stdout, 'plain text\n');
});

test('each failing outcome has its own exit code and a message on stderr', async () => {
  const failed = await atpExec('\nawait api.math.divide({ a: 1, b: 0 });');
  assert.equal(failed.exitCode, 3);
  assert.match(failed.stderr, /failed .*cannot divide by zero/);
  assert.match(failed.stderr, /at \S+\.ts:2:/);
  const parse = await atpExec('return 1 +;');
  assert.equal(parse.exitCode, 4);
  assert.match(parse.stderr, /parse_error SYNTAX_ERROR/);
  const timeout = await atpExec('while (true) {}', ['--timeout', '300ms']);
  assert.equal(timeout.exitCode, 5);
  assert.match(timeout.stderr, /timeout TIMEOUT_ERROR/);
  const memory = await atpExec('const keep = []; while (true) keep.push("x".repeat(1 << 20) + keep.length);', ['--memory', '16MB', '--timeout', '30s']);
  assert.equal(memory.exitCode, 6);
  assert.match(memory.stderr, /memory_exceeded/);
});

test('errors name the file as it was given (<stdin> for -), at line:column, so that an editor can jump there', async () => {
  await mkdir(path.join(dir, 'cli'), { recursive: true });
  await mkdir(path.join(dir, 'elsewhere'), { recursive: true });
  await writeFile(path.join(dir, 'cli', 'bad.ts'), '\nawait api.math.divide({ a: 1, b: 0 });');
  await writeFile(path.join(dir, 'cli', 'syntax.ts'), 'const a = 1;\nreturn a +;');
  const run = (args, stdin = '') => {
    const child = spawn(process.execPath, [bin, 'exec', '-c', config, ...args], { cwd: path.join(dir, 'elsewhere'), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(stdin);
    return new Promise((resolve) => child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr })));
  };
  const thrown = await run(['../cli/bad.ts']);
  assert.equal(thrown.exitCode, 3);
  assert.match(thrown.stderr, /^ {4}at \.\.\/cli\/bad\.ts:2:\d+$/m);
  assert.doesNotMatch(thrown.stderr, /agent\.ts/);
  const piped = await run(['-'], '\nawait api.math.divide({ a: 1, b: 0 });');
  assert.match(piped.stderr, /^ {4}at <stdin>:2:\d+$/m);
  const json = await run(['--json', '../cli/bad.ts']);
  assert.match(JSON.parse(json.stdout).error.stack, /\n {4}at \.\.\/cli\/bad\.ts:2:\d+$/);
  const syntax = await run(['../cli/syntax.ts']);
  assert.equal(syntax.exitCode, 4);
  assert.match(syntax.stderr, /^ {4}at \.\.\/cli\/syntax\.ts:2:\d+$/m);
});

test('a limit below its least in the config is reported at its line, and --memory (not given) is not blamed', async () => {
  const small = path.join(dir, 'small-memory.yaml');
  await writeFile(small, `execution:\n  memory: 128\napis:\n  - name: math\n    type: module\n    module: ${JSON.stringify(path.join(root, 'test', 'fixtures', 'modules', 'math.js'))}\n`);
  const child = spawn(process.execPath, [bin, 'exec', '-c', small, '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end('return 1');
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 1);
  assert.match(stderr, /small-memory\.yaml:2:11: execution\.memory \(128\) is below 8MB/);
  assert.doesNotMatch(stderr, /--memory|undefined/);
});

test('without a terminal, LLM calls fail clearly inside the code', async () => {
  const { exitCode, stderr } = await atpExec('return await atp.llm.call({ prompt: "hi" });', [], { stdin: true });
  assert.equal(exitCode, 3);
  assert.match(stderr, /llm service not provided by client/);
  assert.match(stderr, /at a terminal only/);
});

test('usage errors exit 2, an unreadable file exits 1', async () => {
  const tooLong = await atpExec('return 1', ['--timeout', '10m']);
  assert.equal(tooLong.exitCode, 2);
  assert.match(tooLong.stderr, /above execution\.maxTimeout/);
  const bad = await atpExec('return 1', ['--memory', 'lots']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /^atp exec: --memory lots: the memory must be a size of at least 8MB/m);
  const small = await atpExec('return 1', ['--memory', '4MB']);
  assert.equal(small.exitCode, 2);
  assert.match(small.stderr, /^atp exec: --memory 4MB: the memory must be a size of at least 8MB/m);
  const child = spawn(process.execPath, [bin, 'exec', '-c', config, path.join(dir, 'missing.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 1);
  assert.match(stderr, /cannot read .*missing\.ts/);
});

test('on a terminal, LLM calls and approvals are asked at the prompt', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'script(1) is not installed' }, async () => {
  const file = path.join(dir, 'interactive.ts');
  await writeFile(file, 'const a = await atp.llm.call({ prompt: "What is 2+2?" });\nconst ok = await atp.approval.request("Ship it?", { risk: "low" });\nreturn { a, ok: ok.approved };\n');
  // script(1) gives atp a pseudo-terminal; answers are typed when each prompt shows
  const command = [process.execPath, bin, 'exec', '-c', config, file].map((part) => `'${part}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const answered = new Set();
  child.stdout.on('data', (chunk) => {
    output += chunk;
    if (output.includes('answer> ') && !answered.has('llm')) { answered.add('llm'); child.stdin.write('four\n'); }
    if (output.includes('approve? [y/N]') && !answered.has('approval')) { answered.add('approval'); child.stdin.write('y\n'); }
  });
  const exitCode = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(exitCode, 0, output);
  assert.match(output, /What is 2\+2\?/);
  assert.match(output, /Ship it\?/);
  assert.match(output, /"a": "four"/);
  assert.match(output, /"ok": true/);
});
