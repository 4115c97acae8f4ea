// Reload without downtime, against the real `atp serve`: SIGHUP adds a group while an execution runs on the old
// config (it completes), an invalid file is refused with atp validate's messages and the old config keeps serving,
// and POST /admin/reload is off by default and needs the admin key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compatApis, startUpstream } from './compat-fixtures.js';
import { until } from './mcp-helpers.js';
import { call, openSession, runAtp, startAtp } from './serve-harness.js';

const ADMIN_KEY = 'reload-test-admin-key-0123456789abcdef';

/** Rewrites the config file the server was started with: `change` gets the parsed config and returns the new one. */
function rewrite(atp, change) {
  const file = path.join(atp.dir, 'atp.yaml');
  writeFileSync(file, JSON.stringify(change(JSON.parse(readFileSync(file, 'utf8'))), null, 2));
  return file;
}

const execute = (atp, session, code) => call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });

/** atp validate's output for the file, line by line (what a refused reload must repeat). */
async function validateLines(file) {
  const { code, stdout } = await runAtp(['validate', '-c', file], { cwd: path.dirname(file) });
  assert.equal(code, 1, 'the rewritten file is invalid');
  return stdout.trim().split('\n');
}

test('SIGHUP adds a group while an execution runs on the old config, which completes; an invalid file is refused', { timeout: 120_000 }, async () => {
  const upstream = await startUpstream();
  const [demo, math, shop] = compatApis(upstream.url);
  const atp = await startAtp({ apis: [demo, shop] });
  try {
    const session = await openSession(atp.url);
    const before = await execute(atp, session, 'return typeof api.math');
    assert.equal(before.body.result, 'undefined', 'math is not configured yet');
    const running = execute(atp, session, 'const r = await api.shop.hold({ tag: "long" }); return r.tag + " " + typeof api.math');
    await upstream.held();

    rewrite(atp, (config) => ({ ...config, apis: [demo, shop, math] }));
    atp.child.kill('SIGHUP');
    await until(() => /SIGHUP: reloaded atp\.yaml: generation 2/.test(atp.stderr()), 'the reload to be logged');
    const added = await execute(atp, session, 'return await api.math.multiply({ a: 6, b: 7 })');
    assert.equal(added.body.status, 'completed', JSON.stringify(added.body));
    assert.equal(added.body.result, 42, 'new executions see the added group');
    const definitions = await call(`${atp.url}/api/definitions`, { headers: session.headers });
    assert.ok(definitions.body.apiGroups.includes('math'), 'definitions list the added group');
    const search = await call(`${atp.url}/api/search`, { method: 'POST', headers: session.headers, body: { query: 'multiply two numbers' } });
    assert.equal(search.body.results[0]?.apiGroup, 'math', 'search finds the added group');
    assert.doesNotMatch(atp.stderr(), /generation 1 retired/, 'the old generation serves its execution still');

    upstream.release();
    const finished = await running;
    assert.equal(finished.body.status, 'completed', JSON.stringify(finished.body));
    assert.equal(finished.body.result, 'long undefined', 'the execution finished on the config it started with');
    await until(() => /configuration generation 1 retired/.test(atp.stderr()), 'the old generation to retire once its execution ended');

    // an invalid file: refused with the messages atp validate prints, and generation 2 keeps serving
    const file = rewrite(atp, (config) => ({ ...config, execution: { timeout: 'soon' }, apis: [demo] }));
    const expected = await validateLines(file);
    atp.child.kill('SIGHUP');
    await until(() => /SIGHUP: reload refused/.test(atp.stderr()), 'the refusal to be logged');
    await until(() => expected.every((line) => atp.stderr().includes(line.trim())), `the log to repeat atp validate's lines:\n${expected.join('\n')}`);
    const still = await execute(atp, session, 'return await api.math.multiply({ a: 2, b: 3 }) + (await api.shop.count({ tag: "x" })).n');
    assert.equal(still.body.result, 7, 'the running config still serves every group');

    // the admin endpoint is off without auth.adminKey
    const off = await call(`${atp.url}/admin/reload`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(off.status, 404);
    assert.match(off.body.error, /set auth\.adminKey/);
  } finally {
    upstream.release();
    await atp.stop();
    await upstream.close();
  }
});

test('POST /admin/reload needs the admin key, answers the problems of an invalid file, and names settings that wait for a restart', { timeout: 120_000 }, async () => {
  const upstream = await startUpstream();
  const [demo, math] = compatApis(upstream.url);
  const atp = await startAtp({ auth: { adminKey: ADMIN_KEY }, apis: [demo] });
  const admin = (key) => call(`${atp.url}/admin/reload`, { method: 'POST', headers: key ? { Authorization: `Bearer ${key}` } : {} });
  try {
    assert.equal((await admin()).status, 401, 'no key');
    const wrong = await admin('not-the-admin-key-not-the-admin-key-00');
    assert.equal(wrong.status, 401, 'a wrong key');
    assert.match(wrong.headers.get('www-authenticate'), /Bearer/);

    const file = rewrite(atp, (config) => ({ ...config, apis: [demo, { ...math, concurrency: 0 }] }));
    const expected = await validateLines(file);
    const refused = await admin(ADMIN_KEY);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.reloaded, false);
    assert.deepEqual(refused.body.problems.join('\n').split('\n'), expected, 'the same messages as atp validate');
    assert.doesNotMatch(JSON.stringify(refused.body), new RegExp(ADMIN_KEY), 'the key is never echoed');
    const session = await openSession(atp.url);
    assert.equal((await execute(atp, session, 'return typeof api.math')).body.result, 'undefined', 'nothing changed');

    rewrite(atp, (config) => ({ ...config, server: { ...config.server, port: 1 }, apis: [demo, math] }));
    const applied = await admin(ADMIN_KEY);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(applied.body, { reloaded: true, generation: 2, kept: ['server.port'], missingGroups: [] });
    assert.match(atp.stderr(), /server\.port changed in atp\.yaml but cannot change while running/);
    assert.equal((await execute(atp, session, 'return await api.math.multiply({ a: 3, b: 5 })')).body.result, 15, 'the new group is callable');
    const health = await call(`${atp.url}/readyz`);
    assert.equal(health.status, 200, 'still listening where it was');
  } finally {
    await atp.stop();
    await upstream.close();
  }
});
