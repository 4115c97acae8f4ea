// policies.allow and policies.deny: a function outside them is left out of the catalog, so agent code can
// neither see nor call it; requireApproval matches the same way (execution-pause tests what it does); the parts
// of policies not enforced yet are named so that serve can warn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../dist/catalog/index.js';
import { configFromText, notInEffect } from '../../dist/config/index.js';
import { approvalFilter, functionFilter } from '../../dist/policy/index.js';

test('allow keeps only matching functions, deny removes matching ones even when allowed; * spans dots', () => {
  assert.equal(functionFilter({}), undefined);
  assert.equal(functionFilter({ allow: [], deny: [] }), undefined);
  const allowed = functionFilter({ allow: ['github.issues.*', '*.list?'] });
  assert.deepEqual(['github.issues.create', 'github.issues.comments.list', 'files.lists', 'files.list', 'github.repos.get'].map(allowed), [true, true, true, false, false]);
  const both = functionFilter({ allow: ['github.*'], deny: ['github.repos.delete*'] });
  assert.deepEqual(['github.repos.get', 'github.repos.deleteFile', 'github.repos.delete', 'files.read'].map(both), [true, false, false, false]);
  const denied = functionFilter({ deny: ['*.delete*'] });
  assert.deepEqual(['files.deleteFile', 'files.read'].map(denied), [false, true]);
});

test('the catalog leaves hidden functions out, also after a group announces a change', () => {
  let announce;
  const group = {
    name: 'files', kind: 'mcp',
    tools: ['read', 'write', 'deleteFile'].map((name) => ({ path: [name], sourceName: name, description: name, inputSchema: {}, annotations: {}, invoke: async () => name })),
    onChange: (listener) => { announce = listener; return () => {}; },
    close: async () => {},
  };
  const catalog = new Catalog([group], { visible: functionFilter({ deny: ['files.delete*', 'files.purge*'] }) });
  assert.deepEqual([...catalog.entries()].map((entry) => entry.id), ['files.read', 'files.write']);
  assert.equal(catalog.get('files.deleteFile'), undefined);
  group.tools.push({ path: ['purgeAll'], sourceName: 'purgeAll', description: '', inputSchema: {}, annotations: {}, invoke: async () => 'purged' });
  group.tools.push({ path: ['list'], sourceName: 'list', description: '', inputSchema: {}, annotations: {}, invoke: async () => [] });
  announce();
  assert.deepEqual([...catalog.entries()].map((entry) => entry.id), ['files.read', 'files.write', 'files.list']);
});

test('requireApproval matches like allow and deny', () => {
  assert.equal(approvalFilter({}), undefined);
  const gated = approvalFilter({ requireApproval: ['github.issues.create', '*.merge*'] });
  assert.deepEqual(['github.issues.create', 'github.pulls.merge', 'github.issues.get'].map(gated), [true, true, false]);
});

test('of the settings, only policies.rules is named as not in effect', () => {
  const config = (yaml) => configFromText(`apis: []\n${yaml}`, { filepath: '/tmp/atp-policy.yaml' });
  assert.deepEqual(notInEffect(config('policies:\n  allow: [a.*]\n  deny: [a.b]\n  requireApproval: [a.c]\ntelemetry:\n  endpoint: http://127.0.0.1:4318/v1/traces\n')), []);
  const notes = notInEffect(config('execution:\n  provenance: proxy\npolicies:\n  rules: [{ rule: preventDataExfiltration }]\ntelemetry:\n  endpoint: http://127.0.0.1:4318/v1/traces\n'));
  assert.equal(notes.length, 1);
  assert.match(notes[0], /^policies\.rules is set but not enforced by this version/);
});
