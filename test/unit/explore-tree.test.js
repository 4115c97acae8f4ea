// The explore tree: groups, namespaces and functions as a filesystem, path normalisation, 404s, filters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../dist/catalog/index.js';
import { explore } from '../../dist/search/index.js';

function tool(path, description, extra = {}) {
  return {
    path,
    sourceName: path.join('/'),
    description,
    inputSchema: extra.inputSchema ?? { type: 'object', properties: {} },
    ...(extra.outputSchema && { outputSchema: extra.outputSchema }),
    annotations: {},
    invoke: async () => ({}),
  };
}

const issueInput = { type: 'object', properties: { owner: { type: 'string' }, repo: { type: 'string' }, title: { type: 'string' }, body: { type: 'string' } }, required: ['owner', 'repo', 'title'] };
const issueOutput = { type: 'object', properties: { number: { type: 'integer' } } };

const catalog = new Catalog([
  {
    name: 'github', kind: 'openapi', description: 'GitHub REST API', close: async () => {},
    tools: [
      tool(['issues', 'create'], 'Create an issue\n\nAnyone with pull access can create an issue.', { inputSchema: issueInput, outputSchema: issueOutput }),
      tool(['issues', 'list'], 'List issues'),
      tool(['repos', 'get'], 'Get a repository'),
      tool(['repos', 'branches', 'list'], 'List branches'),
      tool(['meta'], 'Get GitHub meta information'),
      tool(['Zen'], 'Get the Zen of GitHub'),
    ],
  },
  { name: 'fs', kind: 'mcp', close: async () => {}, tools: [tool(['readFile'], 'Read a file'), tool(['writeFile'], 'Write a file')] },
  { name: 'empty', kind: 'module', close: async () => {}, tools: [] },
]);

test('/ lists every group as a directory, alphabetically, with its description', () => {
  const root = explore(catalog, '/');
  assert.equal(root.type, 'directory');
  assert.equal(root.path, '/');
  assert.deepEqual(root.items.map((i) => [i.name, i.type]), [['empty', 'directory'], ['fs', 'directory'], ['github', 'directory']]);
  assert.equal(root.items.find((i) => i.name === 'github').description, 'GitHub REST API');
});

test('a group lists namespaces first, then functions, each alphabetical', () => {
  const github = explore(catalog, '/github');
  assert.deepEqual(github.items.map((i) => `${i.type}:${i.name}`), ['directory:issues', 'directory:repos', 'function:meta', 'function:Zen']);
  assert.equal(github.items.find((i) => i.name === 'meta').description, 'Get GitHub meta information');
  assert.equal(github.items.find((i) => i.name === 'issues').description, '2 functions');
  const repos = explore(catalog, '/github/repos');
  assert.deepEqual(repos.items.map((i) => `${i.type}:${i.name}`), ['directory:branches', 'function:get']);
});

test('a function path describes the function with its one-line definition and schemas', () => {
  const fn = explore(catalog, '/github/issues/create');
  assert.equal(fn.type, 'function');
  assert.equal(fn.path, '/github/issues/create');
  assert.equal(fn.name, 'create');
  assert.equal(fn.group, 'github');
  assert.match(fn.description, /^Create an issue/);
  assert.equal(fn.definition, 'api.github.issues.create(input: { owner: string; repo: string; title: string; body?: string }): Promise<{ number?: number }>');
  assert.doesNotMatch(fn.definition, /\n/);
  assert.deepEqual(fn.inputSchema, issueInput);
  assert.deepEqual(fn.outputSchema, issueOutput);
  assert.equal('outputSchema' in explore(catalog, '/github/issues/list'), false);
});

test('every listed directory is explorable and every listed function resolves', () => {
  const pending = ['/'];
  let seen = 0;
  while (pending.length > 0) {
    const path = pending.pop();
    const node = explore(catalog, path);
    assert.ok(node, `${path} must resolve`);
    assert.equal(node.type, 'directory');
    for (const item of node.items) {
      const child = `${path === '/' ? '' : path}/${item.name}`;
      if (item.type === 'directory') pending.push(child);
      else assert.equal(explore(catalog, child)?.type, 'function', `${child} must be a function`);
      seen++;
    }
  }
  assert.equal(seen, 3 + 4 + 2 + 0 + 2 + 2 + 1, 'every group, namespace and function was visited');
});

test('paths are normalised: missing leading slash, trailing slash, empty, repeated slashes, dotted ids', () => {
  assert.equal(explore(catalog, '').path, '/');
  assert.equal(explore(catalog, '   ').path, '/');
  assert.equal(explore(catalog, 'github').path, '/github');
  assert.equal(explore(catalog, '/github/').path, '/github');
  assert.equal(explore(catalog, '//github//issues/').path, '/github/issues');
  assert.equal(explore(catalog, 'github/issues/create').type, 'function');
  assert.equal(explore(catalog, 'github.issues.create').path, '/github/issues/create');
});

test('the reference layout /<kind>/<group>/... is accepted and answered with the canonical path', () => {
  assert.equal(explore(catalog, '/openapi/github/issues/create').path, '/github/issues/create');
  assert.equal(explore(catalog, '/mcp/fs/readFile').path, '/fs/readFile');
  assert.equal(explore(catalog, '/mcp/github'), undefined, 'github is not an MCP group');
});

test('unknown paths are undefined', () => {
  assert.equal(explore(catalog, '/nope'), undefined);
  assert.equal(explore(catalog, '/github/issues/nope'), undefined);
  assert.equal(explore(catalog, '/github/issues/create/more'), undefined);
  assert.equal(explore(catalog, '/github/Issues'), undefined, 'names are case-sensitive, as api.* is');
});

test('an empty group is an empty directory', () => {
  assert.deepEqual(explore(catalog, '/empty'), { type: 'directory', path: '/empty', items: [] });
});

test('a filter hides functions, and folders and groups it leaves empty', () => {
  const filter = (entry) => entry.id !== 'github.repos.branches.list' && entry.group.name !== 'fs';
  assert.deepEqual(explore(catalog, '/', { filter }).items.map((i) => i.name), ['github']);
  assert.deepEqual(explore(catalog, '/github/repos', { filter }).items.map((i) => i.name), ['get']);
  assert.equal(explore(catalog, '/github/repos/branches', { filter }), undefined);
  assert.equal(explore(catalog, '/fs/readFile', { filter }), undefined);
  assert.equal(explore(catalog, '/github/repos/get', { filter }).type, 'function');
});

test('a name that is both a function and a namespace is listed as both and explores as the directory', () => {
  const mixed = new Catalog([{ name: 'm', kind: 'module', close: async () => {}, tools: [tool(['a'], 'A itself'), tool(['a', 'b'], 'A child')] }]);
  assert.deepEqual(explore(mixed, '/m').items.map((i) => `${i.type}:${i.name}`), ['directory:a', 'function:a']);
  assert.equal(explore(mixed, '/m/a').type, 'directory');
  assert.equal(explore(mixed, '/m/a/b').type, 'function');
});

test('the tree follows catalog changes', () => {
  const listeners = new Set();
  const group = {
    name: 'live', kind: 'mcp', close: async () => {}, tools: [tool(['ping'], 'Answer pong')],
    onChange(listener) { listeners.add(listener); return () => listeners.delete(listener); },
  };
  const live = new Catalog([group]);
  assert.deepEqual(explore(live, '/live').items.map((i) => i.name), ['ping']);
  group.tools = [tool(['pong'], 'Answer ping')];
  for (const listener of listeners) listener();
  assert.deepEqual(explore(live, '/live').items.map((i) => i.name), ['pong']);
  assert.equal(explore(live, '/live/ping'), undefined);
});
