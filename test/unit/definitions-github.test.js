// Definitions of GitHub's whole REST API: the full declarations compile with tsc, the default (index) is
// under 1/20 of the reference server's 1.83 MB, and a namespace's full signatures type-check real calls.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { Catalog } from '../../dist/catalog/index.js';
import { generateDefinitions } from '../../dist/definitions/index.js';
import { createLogger } from '../../dist/logging/index.js';

const require = createRequire(import.meta.url);
const SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');
const TSC = require.resolve('typescript/bin/tsc');
const REFERENCE_BYTES = 1.83e6;
let dir;
let catalog;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atp-github-definitions-'));
  const group = await loadOpenApiGroup(
    { type: 'openapi', name: 'github', spec: SPEC, baseUrl: 'http://127.0.0.1:9', timeout: 1000, concurrency: 1, retries: 0 },
    { logger: createLogger({ level: 'silent', format: 'text' }), configDir: process.cwd() },
    { cacheDir: path.join(dir, 'cache') },
  );
  catalog = new Catalog([group]);
});
after(() => rm(dir, { recursive: true, force: true }));

async function compile(files) {
  const names = [];
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(dir, `${name}.ts`), `${text}\nexport {};\n`);
    names.push(`${name}.ts`);
  }
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: [], module: 'es2022' }, files: names }));
  try {
    await promisify(execFile)(process.execPath, ['--max-old-space-size=2048', TSC, '-p', path.join(dir, 'tsconfig.json')], { maxBuffer: 64 * 1024 * 1024 });
    return '';
  } catch (error) {
    return `${error.stdout}${error.stderr}`.slice(0, 4000) || error.message;
  }
}

test('GitHub: full, index and per-namespace definitions compile; the default is the compact index', async () => {
  const full = generateDefinitions(catalog, { mode: 'full' });
  const index = generateDefinitions(catalog);
  const issues = generateDefinitions(catalog, { filter: ['github.issues'] });
  assert.match(index, /^\/\/ Index of api\.\*: 1\d\d\d functions in 1 group\./, 'a big catalog defaults to the index');
  assert.ok(Buffer.byteLength(index) < REFERENCE_BYTES / 20, `index is ${Buffer.byteLength(index)} bytes`);
  assert.ok(Buffer.byteLength(full) < REFERENCE_BYTES, `full is ${Buffer.byteLength(full)} bytes`);
  assert.match(index, /GET \/api\/definitions\?apiGroups=github\.meta /, 'the index says how to get signatures');
  assert.match(generateDefinitions(catalog, { filter: ['github'] }), /^\/\/ Index of api/, 'a whole big group is indexed');
  assert.doesNotMatch(generateDefinitions(catalog, { filter: ['github.repos'] }), /^\/\/ Index of api/, 'a namespace asked for by name is full, however big');
  assert.match(issues, /declare namespace Github \{/);
  assert.match(issues, /\/\*\* Create an issue \*\/ create\(input: \{/);
  assert.doesNotMatch(issues, /\brepos: \{/);
  const usage = `
async function use() {
  const issue = await api.github.issues.create({ owner: 'o', repo: 'r', title: 'Bug', labels: ['bug'] });
  const number: number = issue.number;
  const login: string | undefined = issue.user?.login;
  const comments = await api.github.issues.listComments({ owner: 'o', repo: 'r', issue_number: number, per_page: 10 });
  const first: string | undefined = comments[0]?.body;
  // @ts-expect-error title is required
  await api.github.issues.create({ owner: 'o', repo: 'r' });
  return [login, first];
}`;
  const output = await compile({ full, index, issues: issues + usage });
  assert.equal(output, '', output);
});
