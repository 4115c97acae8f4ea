// Policy patterns that match no loaded function, through the real binary: atp validate --connect, atp serve and
// atp exec refuse the config, naming the pattern at its file:line:col with the nearest name; marked optional, the
// same config validates and serves.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ATP_BIN, ROOT, runAtp, stopProcess, waitForOutput } from './serve-harness.js';

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
const NOTES = `
export const list = { description: 'Lists notes', inputSchema: { type: 'object' }, handler: () => [] };
export const remove = { name: 'delete', description: 'Deletes a note', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, handler: ({ id }) => ({ deleted: id }) };
`;

let dir;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atp-patterns-'));
  await writeFile(path.join(dir, 'notes.mjs'), NOTES);
  // a module named `delete` is api.notes.delete_ (delete is a reserved word): the slip the check is for
  const config = (deny) => [
    'apis:',
    '  - name: notes',
    '    type: module',
    '    module: notes.mjs',
    '  - name: text',
    '    type: module',
    `    module: ${JSON.stringify(path.join(ROOT, 'examples/tools/text.js'))}`,
    'policies:',
    `  deny: ${deny}`,
    '  requireApproval: [text.textStats]',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'slip.yaml'), config('[notes.list, notes.delete]'));
  await writeFile(path.join(dir, 'optional.yaml'), config('[notes.delete_, { pattern: notes.purge*, optional: true }]'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Runs bin/atp.js in the scratch folder to its end. */
const atp = (args, stdin = '') => runAtp(args, { cwd: dir, stdin });

const PROBLEM = 'slip.yaml:9:22: deny pattern "notes.delete" matches no function, so it denies nothing (at policies.deny[1])';
const HINT = /^ {2}hint: did you mean "notes\.delete_"\? If it names a function that may be absent, write \{ pattern: "notes\.delete", optional: true \}$/m;

test('validate --connect: a deny pattern that matches no function is a problem at its file:line:col, with the nearest name', async () => {
  const [text, json] = await Promise.all([atp(['validate', '--connect', '-c', 'slip.yaml']), atp(['validate', '--connect', '--json', '-c', 'slip.yaml'])]);
  assert.equal(text.code, 1, text.stdout + text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'slip.yaml: invalid; 2 API groups: notes (module), text (module)');
  assert.match(lines[1], /^ {2}ok {4}notes: 2 functions in \d+ ms$/);
  assert.equal(lines[3], PROBLEM);
  assert.match(lines[4], HINT);
  assert.equal(lines[5], '1 problem found');
  assert.doesNotMatch(text.stdout + text.stderr, STACK_LINE);

  assert.equal(json.code, 1);
  const result = JSON.parse(json.stdout);
  assert.equal(result.valid, false);
  assert.deepEqual(result.problems.map(({ file, line, col, path: at }) => ({ file, line, col, at })), [{ file: 'slip.yaml', line: 9, col: 22, at: 'policies.deny[1]' }]);
  assert.ok(result.groups.every((group) => group.ok));
});

test('serve refuses to start on it: a line that says why, then the pattern at its place, and no stack', async () => {
  const run = await atp(['serve', '--port', '0', '-c', 'slip.yaml']);
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.split('\n');
  const at = lines.findIndex((line) => line.startsWith('atp: cannot start: '));
  assert.equal(lines[at], 'atp: cannot start: a policy pattern matches no function of the loaded API groups; correct it, or mark a pattern whose function may be absent optional');
  assert.equal(lines[at + 1], PROBLEM);
  assert.match(lines[at + 2], HINT);
  assert.doesNotMatch(run.stderr, /listening on/);
  assert.doesNotMatch(run.stderr, STACK_LINE);
});

test('exec refuses to run code on it as well', async () => {
  const run = await atp(['exec', '-c', 'slip.yaml', '-'], 'return await api.notes.delete_({ id: "1" })');
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^atp exec: a policy pattern matches no function of the loaded API groups/m);
  assert.ok(run.stderr.includes(PROBLEM), run.stderr);
  assert.equal(run.stdout, '', 'the code did not run');
});

test('marked optional, a pattern that matches nothing passes: validate --connect exits 0 and serve listens', async () => {
  const validated = await atp(['validate', '--connect', '-c', 'optional.yaml']);
  assert.equal(validated.code, 0, validated.stdout + validated.stderr);
  assert.match(validated.stdout, /^optional\.yaml: valid; 2 API groups/);

  const child = spawn(process.execPath, ['--no-node-snapshot', ATP_BIN, 'serve', '--port', '0', '-c', 'optional.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForOutput(child, [child.stderr], (text) => /listening on http:\/\/\S+/.test(text), 'atp serve to listen');
  } finally {
    const stopped = await stopProcess(child);
    assert.equal(stopped.code, 0);
  }
});
