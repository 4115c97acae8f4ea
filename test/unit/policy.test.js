// policies.allow and policies.deny: a function outside them is left out of the catalog, so agent code can
// neither see nor call it; requireApproval matches the same way (execution-pause tests what it does); the parts
// of policies not enforced yet are named so that serve can warn; a pattern that matches no loaded function is
// an error placed at its line, with the nearest name, unless marked optional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, functionIds } from '../../dist/catalog/index.js';
import { configFromText, notInEffect } from '../../dist/config/index.js';
import { approvalFilter, checkPatterns, functionFilter, unmatchedPatternProblems, unmatchedPatterns, UnmatchedPatternsError } from '../../dist/policy/index.js';

const IDS = ['notes.notes.list', 'notes.notes.delete_', 'text.textStats', 'text.slugify', 'github.issues.create', 'github.issues.list', 'github.repos.get'];

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

test('allow is case-sensitive; deny and requireApproval ignore case, so a slip of case still restricts', () => {
  const allowed = functionFilter({ allow: ['text.textstats', 'text.slugify'] });
  assert.deepEqual(['text.textStats', 'text.slugify'].map(allowed), [false, true]);
  const denied = functionFilter({ deny: ['text.textstats', 'FILES.delete*'] });
  assert.deepEqual(['text.textStats', 'files.deleteAll', 'files.read'].map(denied), [false, false, true]);
  const gated = approvalFilter({ requireApproval: ['text.textstats'] });
  assert.deepEqual(['text.textStats', 'text.slugify'].map(gated), [true, false]);
});

test('a pattern written as { pattern, optional } matches like the plain string', () => {
  const visible = functionFilter({ allow: [{ pattern: 'github.issues.*', optional: true }], deny: [{ pattern: '*.create' }] });
  assert.deepEqual(['github.issues.list', 'github.issues.create', 'github.repos.get'].map(visible), [true, false, false]);
  const gated = approvalFilter({ requireApproval: [{ pattern: 'github.repos.*', optional: true }] });
  assert.deepEqual(['github.repos.get', 'github.issues.list'].map(gated), [true, false]);
});

test('every list is checked against all loaded functions; the unmatched ones come with the nearest name', () => {
  const found = unmatchedPatterns({
    allow: ['notes.*', 'text.textstats', 'Text.*', 'github.*'],
    deny: ['notes.notes.delete', 'notes.notes.delete_', 'github.isues.*', 'nothing.like.it'],
    requireApproval: ['text.textstats', 'githb.*'],
    rules: [{ rule: 'preventDataExfiltration', action: 'block', functions: ['notes.notes.lst'] }],
  }, IDS);
  assert.deepEqual(found.map(({ at, list, pattern, suggestion }) => [at.join('/'), list, pattern, suggestion]), [
    ['policies/allow/1', 'allow', 'text.textstats', 'text.textStats'],
    ['policies/allow/2', 'allow', 'Text.*', 'text.*'],
    ['policies/deny/0', 'deny', 'notes.notes.delete', 'notes.notes.delete_'],
    ['policies/deny/2', 'deny', 'github.isues.*', 'github.issues.*'],
    ['policies/deny/3', 'deny', 'nothing.like.it', undefined],
    ['policies/requireApproval/1', 'requireApproval', 'githb.*', 'github.*'],
    ['policies/rules/0/functions/0', 'rules[0].functions', 'notes.notes.lst', 'notes.notes.list'],
  ]);
  // deny removes notes.notes.delete_ from the catalog, yet it exists: the check sees every loaded function
  assert.deepEqual(unmatchedPatterns({ deny: ['notes.notes.delete_'] }, IDS), []);
  assert.equal(unmatchedPatterns({ allow: ['notes.*'] }, []).length, 1, 'with no function at all, every pattern is unmatched');
});

test('a pattern marked optional may match nothing; written as a mapping, it is placed at its pattern', () => {
  const policies = { deny: [{ pattern: 'legacy.*', optional: true }, { pattern: 'legacy.purge' }, { pattern: 'legacy.drop', optional: false }] };
  assert.deepEqual(unmatchedPatterns(policies, IDS).map((found) => found.at.join('/')), ['policies/deny/1/pattern', 'policies/deny/2/pattern']);
});

test('unmatched patterns are config problems at their own line and column, with a did-you-mean and the optional form', () => {
  const yaml = [
    'apis: []',
    'policies:',
    '  allow: [notes.*, text.textstats]',
    '  deny:',
    '    - notes.notes.delete',
    '    - { pattern: legacy.*, optional: true }',
    '    - { pattern: old.thing }',
    '  requireApproval: [text.textstats]',
    '',
  ].join('\n');
  const config = configFromText(yaml, { filepath: '/tmp/atp-policy.yaml', cwd: '/tmp' });
  const problems = unmatchedPatternProblems(config, IDS);
  assert.deepEqual(problems.map(({ file, line, col, path }) => `${file}:${line}:${col} ${path}`), [
    'atp-policy.yaml:3:20 policies.allow[1]',
    'atp-policy.yaml:5:7 policies.deny[0]',
    'atp-policy.yaml:7:18 policies.deny[2].pattern',
  ]);
  assert.equal(problems[0].message, 'allow pattern "text.textstats" matches no function, so it allows nothing');
  assert.match(problems[0].hint, /^did you mean "text\.textStats"\? Names in allow are case-sensitive\. If it names a function that may be absent, write \{ pattern: "text\.textstats", optional: true \}$/);
  assert.equal(problems[1].message, 'deny pattern "notes.notes.delete" matches no function, so it denies nothing');
  assert.match(problems[1].hint, /^did you mean "notes\.notes\.delete_"\? If it names/);
  assert.match(problems[2].hint, /^no function has a name close to it/);

  assert.doesNotThrow(() => checkPatterns(configFromText('apis: []\npolicies:\n  deny: [notes.*]\n', { filepath: '/tmp/atp-policy.yaml' }), IDS));
  assert.throws(() => checkPatterns(config, IDS), (error) => {
    assert.ok(error instanceof UnmatchedPatternsError);
    assert.deepEqual(error.problems, problems);
    const lines = error.message.split('\n');
    assert.equal(lines[0], '3 policy patterns match no function of the loaded API groups; correct them, or mark a pattern whose function may be absent optional');
    assert.equal(lines[1], 'atp-policy.yaml:3:20: allow pattern "text.textstats" matches no function, so it allows nothing (at policies.allow[1])');
    return true;
  });
});

test('functionIds names every function of the groups, those a policy hides included', () => {
  const tools = ['read', 'deleteFile'].map((name) => ({ path: [name], sourceName: name, description: name, inputSchema: {}, annotations: {}, invoke: async () => name }));
  const groups = [{ name: 'files', kind: 'mcp', tools, close: async () => {} }, { name: 'gh', kind: 'openapi', tools: [{ ...tools[0], path: ['issues', 'get'] }], close: async () => {} }];
  assert.deepEqual(functionIds(groups), ['files.read', 'files.deleteFile', 'gh.issues.get']);
});

test('provenance tracking with no source or rule is named as having no effect; with rules it is silent', () => {
  const config = (yaml) => configFromText(`apis: []\n${yaml}`, { filepath: '/tmp/atp-policy.yaml' });
  assert.deepEqual(notInEffect(config('policies:\n  allow: [a.*]\n  deny: [a.b]\n  requireApproval: [a.c]\ntelemetry:\n  endpoint: http://127.0.0.1:4318/v1/traces\n')), []);
  assert.deepEqual(notInEffect(config('execution:\n  provenance: proxy\npolicies:\n  rules: [{ rule: preventDataExfiltration }]\n')), []);
  const notes = notInEffect(config('execution:\n  provenance: track\n'));
  assert.equal(notes.length, 1);
  assert.match(notes[0], /^execution\.provenance is track, but policies has no sources and no rules/);
  assert.equal(config('execution:\n  provenance: ast\npolicies:\n  rules: [{ rule: auditSensitiveAccess }]\n').execution.provenance, 'track', 'ast is read as track');
});
