// /api/search and /api/explore at GitHub's scale through `atp serve` and the official client: ranking
// over 1,223 operations, scopes, the explore tree, and embeddings from a fake endpoint on 127.0.0.1.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentToolProtocolClient } from '@mondaydotcomorg/atp-client';
import { initializeLogger } from '@mondaydotcomorg/atp-runtime';
import { startAtp } from './serve-harness.js';

initializeLogger({ level: 'none' });
const require = createRequire(import.meta.url);
const GITHUB_SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');

const embeddingInputs = [];
const embeddings = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const { input } = JSON.parse(body);
    embeddingInputs.push(...input);
    // vehicles on one axis, everything else on the other: a stand-in for a model that knows synonyms
    const vector = (text) => (/\b(car|automobile|vehicle|voiture)\b/i.test(text) ? [1, 0] : [0, 1]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: input.map((text, index) => ({ index, embedding: vector(text) })) }));
  });
});

let atp;
let client;
let fleetDir;

before(async () => {
  await new Promise((resolve) => embeddings.listen(0, '127.0.0.1', resolve));
  fleetDir = mkdtempSync(path.join(tmpdir(), 'atp-search-http-'));
  const fleet = path.join(fleetDir, 'fleet.js');
  writeFileSync(fleet, `export const rentCar = { description: 'Rent a car for some days', inputSchema: { type: 'object', properties: { days: { type: 'integer' } } }, handler: () => ({}) };\n`);
  atp = await startAtp({
    apis: [
      { name: 'github', type: 'openapi', spec: GITHUB_SPEC },
      { name: 'fleet', type: 'module', module: fleet },
    ],
    search: { embeddings: { provider: 'openai', url: `http://127.0.0.1:${embeddings.address().port}/v1`, model: 'fake' } },
  }, { timeoutMs: 120_000 });
  client = new AgentToolProtocolClient({ baseUrl: atp.url });
  await client.init({ name: 'search-http-test' });
});

after(async () => {
  await atp?.stop();
  await new Promise((resolve) => embeddings.close(resolve));
  rmSync(fleetDir, { recursive: true, force: true });
});

test('search ranks GitHub operations: the asked-for function comes first', async () => {
  const cases = [
    ['create a pull request', 'pulls.create'],
    ['list issues in a repository', 'issues.listForRepo'],
    ['get the latest release', 'repos.getLatestRelease'],
    ['delete a file', 'repos.deleteFile'],
  ];
  for (const [query, expected] of cases) {
    const results = await client.searchAPI(query, { useEmbeddings: false });
    assert.equal(results[0].functionName, expected, `${query}: got ${results.slice(0, 3).map((r) => r.functionName).join(', ')}`);
    assert.equal(results[0].apiGroup, 'github');
    assert.match(results[0].signature, new RegExp(`^api\\.github\\.${expected.replace('.', '\\.')}\\(`));
  }
});

test('apiGroups and maxResults are honoured', async () => {
  const scoped = await client.searchAPI('list', { apiGroups: ['github.gists'], maxResults: 50, useEmbeddings: false });
  assert.ok(scoped.length > 0 && scoped.every((r) => r.functionName.startsWith('gists.')));
  assert.equal((await client.searchAPI('repository', { maxResults: 3 })).length, 3);
  assert.deepEqual(await client.searchAPI('create', { apiGroups: ['nope'] }), []);
});

test('embeddings configured in atp.yaml reach search: a word no function uses still finds the car', async () => {
  const lexical = await client.searchAPI('voiture', { useEmbeddings: false });
  assert.ok(!lexical.some((r) => r.functionName === 'rentCar'));
  // the server embeds the catalog in the background and answers lexically until then
  let fused = [];
  for (const deadline = Date.now() + 20_000; fused[0]?.functionName !== 'rentCar' && Date.now() < deadline;) {
    fused = await client.searchAPI('voiture', { maxResults: 5 });
    if (fused[0]?.functionName !== 'rentCar') await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(fused[0]?.functionName, 'rentCar');
  assert.equal(fused[0].apiGroup, 'fleet');
  assert.ok(embeddingInputs.some((text) => text.startsWith('github.pulls.create:')), 'the catalog was embedded');
});

test('explore walks groups, namespaces and functions', async () => {
  const root = await client.exploreAPI('/');
  assert.deepEqual(root.items.map((i) => [i.name, i.type]), [['fleet', 'directory'], ['github', 'directory']]);
  const github = await client.exploreAPI('/github');
  const names = github.items.map((i) => i.name);
  for (const namespace of ['issues', 'pulls', 'repos']) assert.ok(names.includes(namespace));
  assert.ok(github.items.every((i) => i.type === 'directory'));
  assert.deepEqual(names, [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  const create = await client.exploreAPI('/github/issues/create');
  assert.equal(create.type, 'function');
  assert.equal(create.group, 'github');
  assert.match(create.definition, /^api\.github\.issues\.create\(input: \{ owner: string; repo: string; title: /);
  assert.equal(create.inputSchema.type, 'object');
  await assert.rejects(client.exploreAPI('/github/issues/nope'), /Explore failed: 404/);
});
